package dev.consentkit.core.spi;

import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What a store holds now about one subject: the latest record on each purpose (latest by effective
 * time, then by chain sequence), the chain head, and whether the subject was erased.
 *
 * @param tenant  the tenant
 * @param subject the subject
 * @param head    the chain head; empty for a subject with no entries
 * @param headRecordedAt when the head entry was recorded; present exactly when {@code head} is. Writers stamp
 *                the next entry after it, so that time never runs backwards along a chain
 * @param current the latest record per purpose
 * @param erased  true if the subject (here: its pseudonym) was erased
 */
public record SubjectState(
        String tenant,
        SubjectId subject,
        Optional<ChainLink> head,
        Optional<Instant> headRecordedAt,
        Map<PurposeId, ConsentRecord> current,
        boolean erased) {

    public SubjectState {
        Checks.notNull(tenant, "subjectState.tenant");
        Checks.notNull(subject, "subjectState.subject");
        Checks.notNull(head, "subjectState.head");
        Checks.notNull(headRecordedAt, "subjectState.headRecordedAt");
        Checks.check(
                head.isPresent() == headRecordedAt.isPresent(),
                "subjectState.headRecordedAt",
                "must be present exactly when head is");
        current = Map.copyOf(Checks.notNull(current, "subjectState.current"));
    }

    /** The state of a subject the store has never seen. */
    public static SubjectState empty(String tenant, SubjectId subject) {
        return new SubjectState(tenant, subject, Optional.empty(), Optional.empty(), Map.of(), false);
    }

    /**
     * Whether {@code candidate} replaces {@code existing} as the current record on its purpose: it does
     * when it took effect later, or at the same instant (it was appended later).
     */
    public static boolean supersedes(ConsentRecord candidate, ConsentRecord existing) {
        return supersedes(
                candidate.effectiveAt(),
                candidate.link().sequence(),
                existing.effectiveAt(),
                existing.link().sequence());
    }

    /** {@link #supersedes(ConsentRecord, ConsentRecord)} on the effective times and chain sequences alone. */
    public static boolean supersedes(
            Instant candidateEffectiveAt, long candidateSequence, Instant existingEffectiveAt, long existingSequence) {
        int byTime = candidateEffectiveAt.compareTo(existingEffectiveAt);
        return byTime > 0 || (byTime == 0 && candidateSequence > existingSequence);
    }
}
