package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.SubjectId;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The one keyed HMAC helper behind pseudonyms and hashed evidence: the values stay what they always were. */
class KeyedHmacTest {

    static final byte[] KEY = "0123456789abcdef-test-key".getBytes(StandardCharsets.UTF_8);

    static String reference(byte[] key, byte[] message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message));
    }

    @Test
    void hexIsTheHmacSha256OfTheUtf8Bytes() throws Exception {
        assertThat(new KeyedHmac(KEY).hex("Mozilla/5.0 ü"))
                .isEqualTo(reference(KEY, "Mozilla/5.0 ü".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aScopedHexHashesTheScopeAZeroByteAndTheValue() throws Exception {
        byte[] message = "brand-a\0cust-42".getBytes(StandardCharsets.UTF_8);

        assertThat(new KeyedHmac(KEY).hex("brand-a", "cust-42")).isEqualTo(reference(KEY, message));
        assertThat(new KeyedHmac(KEY).hex("brand-b", "cust-42")).isNotEqualTo(reference(KEY, message));
    }

    @Test
    void theKeyIsCopiedAndAnEmptyKeyIsRefused() throws Exception {
        byte[] key = KEY.clone();
        KeyedHmac hmac = new KeyedHmac(key);
        key[0] ^= 1;

        assertThat(hmac.hex("x")).isEqualTo(reference(KEY, new byte[] {'x'}));
        assertThat(hmac.toString()).doesNotContain("0123456789");
        assertThatThrownBy(() -> new KeyedHmac(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void threadsSharingOneHelperGetTheSameValues() throws Exception {
        KeyedHmac hmac = new KeyedHmac(KEY);
        String expected = reference(KEY, "tenant\0subject".getBytes(StandardCharsets.UTF_8));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        seen.add(hmac.hex("tenant", "subject"));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(seen).containsExactly(expected);
    }

    @Test
    void pseudonymsAreErasedAndTheScopedHmacOfTenantAndSubject() throws Exception {
        Pseudonyms pseudonyms = new Pseudonyms("default", KEY);
        SubjectId pseudonym = pseudonyms.of(SubjectId.of("alice"));

        assertThat(pseudonym.value())
                .isEqualTo("erased-" + reference(KEY, "default\0alice".getBytes(StandardCharsets.UTF_8)));
        assertThat(Pseudonyms.isPseudonym(pseudonym)).isTrue();
        assertThat(Pseudonyms.isPseudonym(SubjectId.of("erased-alice"))).isFalse();
        assertThat(pseudonyms.ifAvailable(SubjectId.of("alice"))).contains(pseudonym);
    }

    @Test
    void withoutAKeyThereAreNoPseudonyms() {
        Pseudonyms none = new Pseudonyms("default", null);

        assertThat(none.available()).isFalse();
        assertThat(none.ifAvailable(SubjectId.of("alice"))).isEmpty();
        assertThatThrownBy(() -> none.of(SubjectId.of("alice")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pseudonymKey");
    }
}
