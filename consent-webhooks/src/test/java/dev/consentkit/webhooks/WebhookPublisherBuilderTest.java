package dev.consentkit.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.InvalidConsentRequestException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** Bad builder input is refused with an {@link InvalidConsentRequestException} naming the field. */
class WebhookPublisherBuilderTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static WebhookPublisher.Builder valid() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:unused");
        return WebhookPublisher.builder()
                .endpoint("crm")
                .url("https://hooks.example.com/consent")
                .secret(SECRET)
                .dataSource(ds);
    }

    private static void refused(Consumer<WebhookPublisher.Builder> change, String field) {
        assertThatThrownBy(() -> {
                    WebhookPublisher.Builder b = valid();
                    change.accept(b);
                    b.build();
                })
                .isInstanceOf(InvalidConsentRequestException.class)
                .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                        .containsExactly(field));
    }

    @Test
    void refusesUrlsThatAreNotHttpsExceptPlainHttpToLoopback() {
        refused(b -> b.url("ftp://hooks.example.com/x"), "url");
        refused(b -> b.url("http://hooks.example.com/x"), "url");
        refused(b -> b.url("http://10.0.0.1/x"), "url");
        refused(b -> b.url("https://user:password@hooks.example.com/x"), "url");
        refused(b -> b.url("/relative/path"), "url");
        refused(b -> b.url("https://hooks.example.com/x y"), "url");
        refused(b -> b.url(""), "url");
        for (String ok : List.of(
                "https://hooks.example.com/x",
                "HTTPS://hooks.example.com:8443/x?tenant=1",
                "http://localhost:8080/hooks",
                "http://127.0.0.1:9/hooks",
                "http://[::1]:9/hooks")) {
            assertThat(valid().url(ok).build().url()).hasToString(ok);
        }
    }

    @Test
    void refusesSecretsThatAreNotStandardWebhooksSecrets() {
        refused(b -> b.secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "secrets");
        refused(b -> b.secret("whsec_***"), "secrets");
        refused(b -> b.secret("whsec_" + Base64.getEncoder().encodeToString(new byte[8])), "secrets");
        refused(b -> b.secrets(List.of()), "secrets");
        refused(b -> b.secrets(List.of(SECRET, "nope")), "secrets");
        assertThat(WebhookPublisher.newSecret()).startsWith("whsec_");
        assertThat(valid().secret(WebhookPublisher.newSecret()).build()).isNotNull();
        assertThat(valid().build().toString()).doesNotContain("MfKQ");
    }

    @Test
    void refusesBadEndpointNamesAndOtherProperties() {
        refused(b -> b.endpoint("x".repeat(65)), "endpoint");
        refused(b -> b.endpoint(" "), "endpoint");
        refused(b -> b.endpoint("crm\n"), "endpoint");
        assertThat(valid().endpoint("x".repeat(64)).build().endpoint()).hasSize(64);
        refused(b -> b.maxAttempts(0), "maxAttempts");
        refused(b -> b.requestTimeout(Duration.ZERO), "requestTimeout");
        refused(b -> b.tablePrefix("consent-"), "tablePrefix");
        refused(b -> b.schema("a;b"), "schema");
        refused(b -> b.clock(null), "clock");
        refused(b -> b.httpClient(null), "httpClient");
        refused(b -> b.eventFormat(null), "eventFormat");
    }

    @Test
    void refusesMissingRequiredProperties() {
        JdbcDataSource ds = new JdbcDataSource();
        assertThatThrownBy(() -> WebhookPublisher.builder()
                        .url("https://x.example")
                        .secret(SECRET)
                        .dataSource(ds)
                        .build())
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("endpoint");
        assertThatThrownBy(() -> WebhookPublisher.builder()
                        .endpoint("crm")
                        .secret(SECRET)
                        .dataSource(ds)
                        .build())
                .hasMessageContaining("url");
        assertThatThrownBy(() -> WebhookPublisher.builder()
                        .endpoint("crm")
                        .url("https://x.example")
                        .dataSource(ds)
                        .build())
                .hasMessageContaining("secrets");
        assertThatThrownBy(() -> WebhookPublisher.builder()
                        .endpoint("crm")
                        .url("https://x.example")
                        .secret(SECRET)
                        .build())
                .hasMessageContaining("dataSource");
        assertThatThrownBy(() -> WebhookDeliveries.builder().build()).hasMessageContaining("dataSource");
        assertThatThrownBy(() -> WebhookPublisher.fanOut(List.of(valid().build(), valid().build())))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("publishers");
    }
}
