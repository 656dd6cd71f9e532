package dev.consentkit.core.spi;

import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * The values of a current record that a decision reads, and nothing else: what bulk reads
 * ({@link ConsentStore#decidingRecords}, {@link ConsentStore#audience}) return so that a database store can answer
 * from its state rows without reading evidence or chain hashes.
 *
 * @param purpose        the purpose the record is on
 * @param purposeVersion the purpose version the subject was shown
 * @param status         what the subject said
 * @param effectiveAt    when it took effect
 * @param expiresAt      when a grant lapses
 * @param sequence       the record's sequence in the subject's chain (breaks ties of effective time)
 */
public record DecidingRecord(
        PurposeId purpose,
        int purposeVersion,
        ConsentStatus status,
        Instant effectiveAt,
        Optional<Instant> expiresAt,
        long sequence) {

    public DecidingRecord {
        Checks.notNull(purpose, "decidingRecord.purpose");
        Checks.notNull(status, "decidingRecord.status");
        Checks.notNull(effectiveAt, "decidingRecord.effectiveAt");
        Checks.notNull(expiresAt, "decidingRecord.expiresAt");
    }

    /** The deciding values of {@code r}. */
    public static DecidingRecord of(ConsentRecord r) {
        return new DecidingRecord(
                r.purpose(),
                r.purposeVersion(),
                r.status(),
                r.effectiveAt(),
                r.expiresAt(),
                r.link().sequence());
    }

    /** Whether this record replaces {@code existing}: by the rule of {@link SubjectState#supersedes}. */
    public boolean supersedes(DecidingRecord existing) {
        return SubjectState.supersedes(effectiveAt, sequence, existing.effectiveAt, existing.sequence);
    }

    /** True if the grant has lapsed at {@code instant} (as {@link ConsentRecord#isExpiredAt}). */
    public boolean isExpiredAt(Instant instant) {
        return expiresAt.isPresent() && !instant.isBefore(expiresAt.get());
    }
}
