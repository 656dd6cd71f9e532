package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.EvidencePolicy.Minimisation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EvidencePolicyTest {

    static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_KEY = "fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    static final String UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";

    private static Evidence evidence(String ip, String userAgent) {
        return Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form")
                .ipAddress(ip)
                .userAgent(userAgent)
                .comment("kept as is")
                .build();
    }

    @Nested
    class Defaults {

        @ParameterizedTest
        @CsvSource({
            "203.0.113.77, 203.0.113.0",
            "10.1.2.255, 10.1.2.0",
            "203.0.113.0, 203.0.113.0",
            "2001:db8:abcd:1234:5678:9abc:def0:1234, 2001:db8:abcd:0:0:0:0:0",
            "2001:db8::1, 2001:db8:0:0:0:0:0:0",
            "::ffff:198.51.100.9, 198.51.100.0"
        })
        void applyWhenDefaultsThenIpIsTruncatedToItsNetwork(String ip, String expected) {
            Evidence minimised = EvidencePolicy.defaults().apply(evidence(ip, UA));

            assertThat(minimised.ipAddress()).contains(expected);
        }

        @Test
        void applyWhenDefaultsThenUserAgentAndEverythingElseIsKept() {
            Evidence original = evidence("203.0.113.77", UA);

            Evidence minimised = EvidencePolicy.defaults().apply(original);

            assertThat(minimised.userAgent()).contains(UA);
            assertThat(minimised.comment()).contains("kept as is");
            assertThat(minimised.source()).isEqualTo(Source.WEB);
            assertThat(minimised.collectionPoint()).isEqualTo("signup-form");
            assertThat(minimised.actor()).isEqualTo(Actor.subject());
        }

        @Test
        void defaultsWhenAskedThenTruncateIpAndKeepUserAgent() {
            assertThat(EvidencePolicy.defaults().ipAddress()).isEqualTo(Minimisation.TRUNCATE);
            assertThat(EvidencePolicy.defaults().userAgent()).isEqualTo(Minimisation.KEEP);
        }

        @ParameterizedTest
        @ValueSource(strings = {"localhost", "example.com", "consentkit.invalid", ".::1"})
        void applyWhenIpIsAHostNameThenRejectedNamingTheFieldWithoutResolvingIt(String host) {
            List<Throwable> thrown = new ArrayList<>();

            List<String> lookups = NameLookupProbe.lookupsDuring(() -> {
                try {
                    EvidencePolicy.defaults().apply(evidence(host, UA));
                } catch (RuntimeException e) {
                    thrown.add(e);
                }
            });

            assertThat(lookups).as("host names resolved").isEmpty();
            assertThat(thrown)
                    .singleElement()
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("evidence.ipAddress"));
        }

        @Test
        void applyWhenNoIpOrUserAgentThenEvidenceIsUnchanged() {
            Evidence plain = Evidence.of(Source.PHONE, "call-centre");

            assertThat(EvidencePolicy.defaults().apply(plain)).isEqualTo(plain);
        }
    }

    @Nested
    class Choices {

        @Test
        void applyWhenKeepThenIpAndUserAgentAreStoredAsGiven() {
            EvidencePolicy policy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.KEEP)
                    .userAgent(Minimisation.KEEP)
                    .build();

            Evidence minimised = policy.apply(evidence("203.0.113.77", UA));

            assertThat(minimised.ipAddress()).contains("203.0.113.77");
            assertThat(minimised.userAgent()).contains(UA);
        }

        @Test
        void applyWhenDropThenIpAndUserAgentAreRemoved() {
            EvidencePolicy policy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.DROP)
                    .userAgent(Minimisation.DROP)
                    .build();

            Evidence minimised = policy.apply(evidence("203.0.113.77", UA));

            assertThat(minimised.ipAddress()).isEmpty();
            assertThat(minimised.userAgent()).isEmpty();
            assertThat(minimised.comment()).contains("kept as is");
        }

        @Test
        void applyWhenTruncateThenUserAgentKeepsItsFirst64Characters() {
            EvidencePolicy policy =
                    EvidencePolicy.builder().userAgent(Minimisation.TRUNCATE).build();

            Evidence minimised = policy.apply(evidence("203.0.113.77", UA));

            assertThat(UA).hasSizeGreaterThan(64);
            assertThat(minimised.userAgent()).contains(UA.substring(0, 64));
        }

        @Test
        void applyWhenTruncateAndUserAgentIsShortThenKeptWhole() {
            EvidencePolicy policy =
                    EvidencePolicy.builder().userAgent(Minimisation.TRUNCATE).build();

            assertThat(policy.apply(evidence("203.0.113.77", "curl/8.5.0")).userAgent())
                    .contains("curl/8.5.0");
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 1, 15})
        void buildWhenHashWithoutA16ByteKeyThenInvalid(int keyLength) {
            assertThatThrownBy(() -> EvidencePolicy.builder()
                            .ipAddress(Minimisation.HASH)
                            .hashKey(new byte[keyLength])
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("hashKey");
        }

        @Test
        void buildWhenHashWithoutAnyKeyThenInvalid() {
            assertThatThrownBy(() -> EvidencePolicy.builder()
                            .userAgent(Minimisation.HASH)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("hashKey");
        }

        @Test
        void applyWhenHashThenHmacPrefixedStableForTheSameKeyAndDifferentForAnotherKey() {
            EvidencePolicy policy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .userAgent(Minimisation.HASH)
                    .hashKey(KEY)
                    .build();
            EvidencePolicy samePolicy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .userAgent(Minimisation.HASH)
                    .hashKey(KEY.clone())
                    .build();
            EvidencePolicy otherKey = EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .userAgent(Minimisation.HASH)
                    .hashKey(OTHER_KEY)
                    .build();

            Evidence a = policy.apply(evidence("203.0.113.77", UA));
            Evidence b = samePolicy.apply(evidence("203.0.113.77", UA));
            Evidence c = otherKey.apply(evidence("203.0.113.77", UA));
            Evidence d = policy.apply(evidence("203.0.113.78", UA));

            assertThat(a.ipAddress()).hasValueSatisfying(v -> assertThat(v).matches("hmac:[0-9a-f]{64}"));
            assertThat(a.userAgent()).hasValueSatisfying(v -> assertThat(v).matches("hmac:[0-9a-f]{64}"));
            assertThat(a.ipAddress()).isEqualTo(b.ipAddress());
            assertThat(a.userAgent()).isEqualTo(b.userAgent());
            assertThat(a.ipAddress()).isNotEqualTo(c.ipAddress());
            assertThat(a.userAgent()).isNotEqualTo(c.userAgent());
            assertThat(a.ipAddress()).isNotEqualTo(d.ipAddress());
            assertThat(a.ipAddress().orElseThrow()).doesNotContain("203.0.113");
        }

        @Test
        void hashKeyWhenTheCallerChangesItsArrayAfterwardsThenThePolicyIsUnaffected() {
            byte[] key = KEY.clone();
            EvidencePolicy policy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .hashKey(key)
                    .build();
            String before =
                    policy.apply(evidence("203.0.113.77", UA)).ipAddress().orElseThrow();

            key[0] ^= 1;

            assertThat(policy.apply(evidence("203.0.113.77", UA)).ipAddress()).contains(before);
        }

        @Test
        void toStringWhenHashingThenDoesNotRevealTheKey() {
            EvidencePolicy policy = EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .hashKey(KEY)
                    .build();

            assertThat(policy.toString()).doesNotContain("0123456789abcdef").contains("HASH");
        }
    }

    @Nested
    class ThroughTheManager {

        final Clock clock = Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC);

        private ConsentManager manager(EvidencePolicy policy) {
            ConsentManagerBuilder b = ConsentManager.builder()
                    .purposes(Purpose.builder("marketing.email")
                            .basis(LegalBasis.CONSENT)
                            .build())
                    .clock(clock);
            if (policy != null) {
                b.evidencePolicy(policy);
            }
            return b.build();
        }

        private static ConsentRecord onlyStored(ConsentManager manager) {
            try (Stream<ConsentRecord> history = manager.history(HistoryQuery.all())) {
                return history.reduce((a, b) -> {
                            throw new AssertionError("more than one record");
                        })
                        .orElseThrow();
            }
        }

        @Test
        void recordWhenDefaultPolicyThenStoredEvidenceHasTruncatedIp() {
            ConsentManager manager = manager(null);

            ConsentRecord returned = manager.record(ConsentCommand.grant("cust-42", "marketing.email")
                    .evidence(evidence("203.0.113.77", UA))
                    .build());

            assertThat(returned.evidence().ipAddress()).contains("203.0.113.0");
            ConsentRecord stored = onlyStored(manager);
            assertThat(stored.evidence().ipAddress()).contains("203.0.113.0");
            assertThat(stored.evidence().userAgent()).contains(UA);
            assertThat(stored.evidence().comment()).contains("kept as is");
        }

        @Test
        void recordWhenIpv6AndDefaultPolicyThenStoredEvidenceHasSlash48() {
            ConsentManager manager = manager(null);

            manager.record(ConsentCommand.grant("cust-42", "marketing.email")
                    .evidence(evidence("2001:db8:abcd:1234::42", UA))
                    .build());

            assertThat(onlyStored(manager).evidence().ipAddress()).contains("2001:db8:abcd:0:0:0:0:0");
        }

        @Test
        void recordWhenHashAndDropPolicyThenStoredEvidenceHoldsNoRawIpOrUserAgent() {
            ConsentManager manager = manager(EvidencePolicy.builder()
                    .ipAddress(Minimisation.HASH)
                    .userAgent(Minimisation.DROP)
                    .hashKey(KEY)
                    .build());

            manager.record(ConsentCommand.grant("cust-42", "marketing.email")
                    .evidence(evidence("203.0.113.77", UA))
                    .build());

            ConsentRecord stored = onlyStored(manager);
            assertThat(stored.evidence().ipAddress())
                    .hasValueSatisfying(v -> assertThat(v).startsWith("hmac:"));
            assertThat(stored.evidence().userAgent()).isEmpty();
            assertThat(manager.verify("cust-42").intact()).isTrue();
        }

        @Test
        void setPreferenceWhenDefaultPolicyThenStoredEvidenceIsMinimisedToo() {
            ConsentManager manager = ConsentManager.builder()
                    .purposes(Purpose.builder("marketing.email")
                            .basis(LegalBasis.CONSENT)
                            .build())
                    .preferences(PreferenceDefinition.of("language", "de", "en"))
                    .clock(clock)
                    .build();

            PreferenceRecord r = manager.setPreference("cust-42", "language", "de", evidence("198.51.100.9", UA));

            assertThat(r.evidence().ipAddress()).contains("198.51.100.0");
        }

        @Test
        void applyGlobalPrivacyControlWhenDefaultPolicyThenStoredEvidenceIsMinimised() {
            ConsentManager manager = ConsentManager.builder()
                    .purposes(Purpose.builder("ads.sale")
                            .basis(LegalBasis.LEGITIMATE_INTERESTS)
                            .saleOrShare(true)
                            .build())
                    .clock(clock)
                    .build();

            manager.applyGlobalPrivacyControl("cust-42", evidence("203.0.113.77", UA));

            assertThat(onlyStored(manager).evidence().ipAddress()).contains("203.0.113.0");
        }
    }
}
