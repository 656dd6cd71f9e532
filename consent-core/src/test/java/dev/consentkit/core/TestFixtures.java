package dev.consentkit.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;

/** Shared, deterministic building blocks for the tests of this package. */
final class TestFixtures {

    /** Has nanoseconds on purpose: the manager must truncate every timestamp to microseconds. */
    static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456789Z");

    static final Instant NOW_MICROS = NOW.truncatedTo(ChronoUnit.MICROS);
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final byte[] PSEUDONYM_KEY = "0123456789abcdef-test-key".getBytes(StandardCharsets.UTF_8);

    static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .validFor(Period.ofMonths(13))
            .build();
    static final Purpose ANALYTICS = Purpose.builder("analytics")
            .basis(LegalBasis.CONSENT)
            .title("Analytics")
            .build();
    static final Purpose PROFILING = Purpose.builder("profiling")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Profiling")
            .build();

    static final List<String> PURPOSES = List.of("marketing.email", "analytics", "profiling");

    private TestFixtures() {}

    /** A builder with the three purposes, the fixed clock and a fresh in-memory store. */
    static ConsentManagerBuilder manager() {
        return ConsentManager.builder()
                .purposes(NEWSLETTER, ANALYTICS, PROFILING)
                .clock(CLOCK);
    }

    static Evidence webEvidence() {
        return Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form-v3")
                .noticeVersion("2026-01")
                .ipAddress("203.0.113.42")
                .userAgent("Mozilla/5.0 (X11; Linux x86_64)")
                .comment("ticked the box")
                .build();
    }

    static List<ConsentRecord> history(ConsentManager manager, String subject) {
        try (Stream<ConsentRecord> s = manager.history(HistoryQuery.forSubject(subject))) {
            return s.toList();
        }
    }

    static List<AuditEntry> auditTrail(ConsentManager manager, HistoryQuery query) {
        try (Stream<AuditEntry> s = manager.auditTrail(query)) {
            return s.toList();
        }
    }
}
