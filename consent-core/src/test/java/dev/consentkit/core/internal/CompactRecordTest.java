package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.DecidingRecord;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CompactRecordTest {

    private static final String HASH = "0123456789abcdef".repeat(4);
    private static final String OTHER_HASH = "fedcba9876543210".repeat(4);
    private static final Instant RECORDED = Instant.parse("2026-03-01T10:15:30.123456Z");

    private static ConsentRecord record(
            Instant recordedAt,
            Instant effectiveAt,
            Optional<Instant> expiresAt,
            Optional<String> key,
            String digest,
            ChainLink link) {
        Evidence evidence = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("form")
                .noticeVersion("v1")
                .locale(Locale.GERMANY)
                .actor(Actor.agent("clerk-7"))
                .ipAddress("192.0.2.0")
                .userAgent("Firefox")
                .comment("called in")
                .build();
        return new ConsentRecord(
                UUID.randomUUID(),
                "tenant-a",
                SubjectId.of("alice"),
                PurposeId.of("marketing.email"),
                3,
                ConsentStatus.WITHDRAWN,
                recordedAt,
                effectiveAt,
                expiresAt,
                key,
                evidence,
                true,
                digest,
                link);
    }

    static Stream<ConsentRecord> records() {
        ChainLink link = new ChainLink(7, OTHER_HASH, HASH);
        ChainLink first = new ChainLink(1, ChainLink.GENESIS, HASH);
        UUID uuid = UUID.randomUUID();
        return Stream.of(
                // the common shapes
                record(RECORDED, RECORDED, Optional.empty(), Optional.of("ck:" + uuid), HASH, link),
                record(RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH, first),
                record(
                        RECORDED,
                        RECORDED.minusSeconds(86_400),
                        Optional.of(RECORDED.plusSeconds(1)),
                        Optional.of("order-42"),
                        OTHER_HASH,
                        link),
                // keys that only look generated, or are not canonical UUID text
                record(
                        RECORDED,
                        RECORDED,
                        Optional.empty(),
                        Optional.of("ck:" + uuid.toString().toUpperCase(Locale.ROOT)),
                        HASH,
                        link),
                record(RECORDED, RECORDED, Optional.empty(), Optional.of("ck:1-2-3-4-5"), HASH, link),
                record(RECORDED, RECORDED, Optional.empty(), Optional.of("ck:"), HASH, link),
                // instants before 1970, and beyond what epoch nanoseconds hold
                record(
                        Instant.parse("1960-01-01T00:00:00.000000001Z"),
                        Instant.parse("1950-06-01T00:00:00Z"),
                        Optional.empty(),
                        Optional.empty(),
                        HASH,
                        link),
                record(RECORDED, RECORDED, Optional.of(Instant.MAX), Optional.empty(), HASH, link),
                record(RECORDED, Instant.parse("1500-01-01T00:00:00Z"), Optional.empty(), Optional.empty(), HASH, link),
                // digests that are not 64 lower-case hex digits
                record(RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH.toUpperCase(Locale.ROOT), link),
                record(RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH, ChainLink.UNSEALED),
                record(
                        RECORDED,
                        RECORDED,
                        Optional.empty(),
                        Optional.empty(),
                        "not-a-digest",
                        new ChainLink(2, "x", HASH)));
    }

    private static CompactRecord compact(ConsentRecord r) {
        return CompactRecord.of(r, r.tenant(), r.subject(), r.purpose(), r.evidence());
    }

    @ParameterizedTest
    @MethodSource("records")
    void buildsARecordEqualToTheOneItWasMadeFrom(ConsentRecord r) {
        CompactRecord row = compact(r);

        ConsentRecord read = row.toRecord();

        assertThat(read).isEqualTo(r);
        assertThat(read.link().hash()).isEqualTo(r.link().hash());
        assertThat(row.link()).isEqualTo(r.link());
        assertThat(row.recordedAt()).isEqualTo(r.recordedAt());
        assertThat(row.effectiveAt()).isEqualTo(r.effectiveAt());
        assertThat(row.deciding()).isEqualTo(DecidingRecord.of(r));
        assertThat(row.hasId(r.id())).isTrue();
        assertThat(row.hasId(UUID.randomUUID())).isFalse();
    }

    @ParameterizedTest
    @MethodSource("records")
    void namesOnlyACallersKey(ConsentRecord r) {
        Optional<String> expected = r.idempotencyKey().filter(k -> !IdempotencyKeys.isGenerated(k));

        assertThat(compact(r).callerKey()).isEqualTo(expected);
    }

    @Test
    void supersedesByEffectiveTimeThenSequence() {
        ConsentRecord earlier = record(
                RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH, new ChainLink(5, OTHER_HASH, HASH));
        ConsentRecord later = record(
                RECORDED,
                RECORDED.plusNanos(1),
                Optional.empty(),
                Optional.empty(),
                HASH,
                new ChainLink(2, OTHER_HASH, HASH));
        ConsentRecord sameTimeLaterInChain = record(
                RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH, new ChainLink(6, OTHER_HASH, HASH));
        ConsentRecord whole = record(
                RECORDED,
                RECORDED.plusNanos(2),
                Optional.of(Instant.MAX),
                Optional.empty(),
                HASH,
                new ChainLink(1, OTHER_HASH, HASH));

        assertThat(compact(later).supersedes(compact(earlier))).isTrue();
        assertThat(compact(earlier).supersedes(compact(later))).isFalse();
        assertThat(compact(sameTimeLaterInChain).supersedes(compact(earlier))).isTrue();
        assertThat(compact(earlier).supersedes(compact(sameTimeLaterInChain))).isFalse();
        assertThat(compact(whole).supersedes(compact(later))).isTrue();
        assertThat(compact(later).supersedes(compact(whole))).isFalse();
    }

    @Test
    void refusesSharedInstancesThatDifferFromTheRecords() {
        ConsentRecord r = record(RECORDED, RECORDED, Optional.empty(), Optional.empty(), HASH, ChainLink.UNSEALED);

        assertThatThrownBy(() -> CompactRecord.of(r, r.tenant(), SubjectId.of("bob"), r.purpose(), r.evidence()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void internerSharesEqualValues() {
        Interner<PurposeId> interner = new Interner<>(4);
        PurposeId first = interner.intern(PurposeId.of("marketing"));

        PurposeId second = interner.intern(PurposeId.of("marketing"));

        assertThat(second).isSameAs(first);
        assertThat(interner.intern(PurposeId.of("analytics"))).isEqualTo(PurposeId.of("analytics"));
    }
}
