package dev.consentkit.core;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** What ConsentKit logs at INFO and above (slf4j-simple's default level in the tests) names no subject. */
class LoggingTest {

    @Test
    void infoAndAboveNeverNameTheSubjectOrItsEvidence() {
        String subject = "secret-subject-4711";
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ConsentManager consents = ConsentManager.builder()
                    .purposes(Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build())
                    .clock(Clock.fixed(Instant.parse("2026-05-01T10:00:00Z"), ZoneOffset.UTC))
                    .pseudonymKey("logging-test-key-0123456789".getBytes(StandardCharsets.UTF_8))
                    .listener(e -> {
                        throw new IllegalStateException("listener down");
                    })
                    .build();
            consents.record(ConsentCommand.grant(subject, "marketing.email")
                    .evidence(Evidence.builder().source(Source.WEB).collectionPoint("form")
                            .ipAddress("198.51.100.23").userAgent("UA-secret").comment("secret comment").build())
                    .build());
            consents.check(subject, "marketing.email");
            consents.erase(subject, "art17-request");
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);

        assertThat(log).contains("ConsentKit manager ready").contains("Subject erased").contains("listener down");
        assertThat(log).doesNotContain(subject).doesNotContain("198.51.100").doesNotContain("UA-secret")
                .doesNotContain("secret comment");
    }
}
