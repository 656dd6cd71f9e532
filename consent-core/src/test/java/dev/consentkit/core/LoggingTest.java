package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

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
                    .purposes(Purpose.builder("marketing.email")
                            .basis(LegalBasis.CONSENT)
                            .build())
                    .clock(Clock.fixed(Instant.parse("2026-05-01T10:00:00Z"), ZoneOffset.UTC))
                    .pseudonymKey("logging-test-key-0123456789".getBytes(StandardCharsets.UTF_8))
                    .listener(e -> {
                        throw new IllegalStateException("listener down");
                    })
                    .build();
            consents.record(ConsentCommand.grant(subject, "marketing.email")
                    .evidence(Evidence.builder()
                            .source(Source.WEB)
                            .collectionPoint("form")
                            .ipAddress("198.51.100.23")
                            .userAgent("UA-secret")
                            .comment("secret comment")
                            .build())
                    .build());
            consents.check(subject, "marketing.email");
            consents.erase(subject, "art17-request");
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);

        assertThat(log)
                .contains("ConsentKit manager ready")
                .contains("Subject erased")
                .contains("listener down");
        assertThat(log)
                .doesNotContain(subject)
                .doesNotContain("198.51.100")
                .doesNotContain("UA-secret")
                .doesNotContain("secret comment");
    }

    private static String captured(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static long lines(String log, String text) {
        return log.lines().filter(l -> l.contains(text)).count();
    }

    @Test
    void buildWithoutAStoreWarnsOnceThatChoicesAreKeptInMemory() {
        String log = captured(() -> {
            ConsentManager consents = TestFixtures.manager().tenant("brand-a").build();
            consents.record(
                    ConsentCommand.grant("secret-subject-4711", "analytics").build());
            consents.record(
                    ConsentCommand.withdraw("secret-subject-4711", "analytics").build());
        });

        assertThat(lines(log, "keeps choices in memory")).isEqualTo(1);
        assertThat(log.lines()
                        .filter(l -> l.contains("keeps choices in memory"))
                        .findFirst()
                        .orElseThrow())
                .contains("WARN")
                .contains("brand-a");
        assertThat(log).doesNotContain("secret-subject-4711");
    }

    @Test
    void buildWithoutAPseudonymKeySaysOnceThatEraseIsUnavailable() {
        String log = captured(() -> {
            ConsentManager consents =
                    TestFixtures.manager().store(new InMemoryConsentStore()).build();
            consents.record(
                    ConsentCommand.grant("secret-subject-4711", "analytics").build());
        });

        assertThat(lines(log, "erase is unavailable")).isEqualTo(1);
        assertThat(log).doesNotContain("keeps choices in memory").doesNotContain("secret-subject-4711");
    }

    @Test
    void buildWithAStoreAndAPseudonymKeySaysNeither() {
        String log = captured(() -> TestFixtures.manager()
                .store(new InMemoryConsentStore())
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY)
                .build());

        assertThat(log)
                .contains("ConsentKit manager ready")
                .doesNotContain("keeps choices in memory")
                .doesNotContain("erase is unavailable");
    }
}
