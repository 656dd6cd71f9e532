package dev.consentkit.webhooks.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.InvalidConsentRequestException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    /** The test vector the Standard Webhooks reference implementations publish. */
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void reproducesTheSpecificationsTestVector() {
        WebhookSigner signer = WebhookSigner.of(List.of(SPEC_SECRET), "secrets");

        String header = signer.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

        assertThat(header).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void signsOncePerSecretInOrderSeparatedBySpaces() {
        String other = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
        WebhookSigner one = WebhookSigner.of(List.of(SPEC_SECRET), "secrets");
        WebhookSigner two = WebhookSigner.of(List.of(SPEC_SECRET, other), "secrets");
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

        String[] signatures = two.sign("id", 1L, body).split(" ");

        assertThat(signatures).hasSize(2);
        assertThat(signatures[0]).isEqualTo(one.sign("id", 1L, body));
        assertThat(signatures[1]).isNotEqualTo(signatures[0]).startsWith("v1,");
    }

    @Test
    void refusesSecretsOutsideTheStandardForm() {
        for (String bad : List.of(
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "whsec_not*base64",
                "whsec_" + Base64.getEncoder().encodeToString(new byte[16]),
                "whsec_" + Base64.getEncoder().encodeToString(new byte[65]))) {
            assertThatThrownBy(() -> WebhookSigner.decode(bad, "secrets"))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                            .containsExactly("secrets"))
                    .hasMessageNotContaining(bad.substring(Math.min(bad.length(), 6)));
        }
        assertThat(WebhookSigner.of(List.of(SPEC_SECRET), "secrets").toString()).doesNotContain("MfKQ");
    }
}
