package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * A read-only store whose log is generated as it is read, so that an export of any length can run in a small
 * heap: entry {@code i} is a consent record of subject {@code s-(i % subjects)} with full evidence. Only
 * {@link #history} has content; writes are refused.
 */
final class GeneratedLog implements ConsentStore {

    private static final String HEX = "0123456789abcdef".repeat(4);
    private static final Evidence EVIDENCE = Evidence.builder()
            .source(Source.WEB)
            .collectionPoint("signup-form")
            .noticeVersion("v3")
            .ipAddress("203.0.113.0")
            .userAgent("Mozilla/5.0 (X11; Linux x86_64)")
            .build();
    private static final Instant START = Instant.parse("2026-01-01T00:00:00.123456Z");

    private final long entries;
    private final int subjects;

    GeneratedLog(long entries, int subjects) {
        this.entries = entries;
        this.subjects = subjects;
    }

    static AuditEntry entry(long i, int subjects) {
        Instant at = START.plusMillis(i);
        return new ConsentRecord(
                new UUID(0x5eed, i),
                "default",
                new SubjectId("s-" + (i % subjects)),
                new PurposeId(i % 2 == 0 ? "marketing.email" : "analytics"),
                1,
                i % 3 == 2 ? ConsentStatus.WITHDRAWN : ConsentStatus.GRANTED,
                at,
                at,
                Optional.empty(),
                Optional.empty(),
                EVIDENCE,
                false,
                HEX,
                new ChainLink(i / subjects + 1, HEX, HEX));
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        return LongStream.range(0, entries).mapToObj(i -> entry(i, subjects));
    }

    @Override
    public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
        throw new UnsupportedOperationException("generated log is read-only");
    }

    @Override
    public Optional<SubjectState> state(String tenant, SubjectId subject) {
        return Optional.empty();
    }

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        return Map.of();
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        return Optional.empty();
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        return Stream.empty();
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        return Optional.empty();
    }
}
