package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The result of recomputing hash chains and, from each intact chain, the subject's current records, preferences
 * and erased flag, compared with what the store holds.
 *
 * @param recordsChecked  how many entries were recomputed
 * @param subjectsChecked how many subjects' chains were walked
 * @param brokenChains    every chain that does not verify, with its first bad entry, and every stored state,
 *                        preference, head or erased flag that disagrees with its chain
 */
public record VerificationReport(long recordsChecked, long subjectsChecked, List<BrokenChain> brokenChains) {

    public VerificationReport {
        brokenChains = copyWithoutNulls(brokenChains);
    }

    private static List<BrokenChain> copyWithoutNulls(List<BrokenChain> given) {
        Checks.notNull(given, "verificationReport.brokenChains");
        for (int i = 0; i < given.size(); i++) {
            Checks.notNull(given.get(i), "verificationReport.brokenChains[" + i + "]");
        }
        return List.copyOf(given);
    }

    /** True if every chain verified. */
    public boolean intact() {
        return brokenChains.isEmpty();
    }

    /** What is wrong with a chain. */
    public enum Problem {
        /** An entry's content no longer matches its hash (or its personal fields their digest). */
        CONTENT_CHANGED,
        /** An entry is missing: the sequence skips a number or the chain stops before its head. */
        RECORD_MISSING,
        /** Entries are out of order: the sequence repeats or goes back, or a link points elsewhere. */
        ORDER_CHANGED,
        /** The chain's last entry is not the head the store recorded. */
        HEAD_MISMATCH,
        /** The store's current record on a purpose is not the one the chain makes current. */
        STATE_MISMATCH,
        /** The store's current preference under a key is not the one the chain makes current. */
        PREFERENCE_MISMATCH,
        /** The store's erased flag disagrees with whether the chain ends in an erasure. */
        ERASED_FLAG_MISMATCH,
        /** The store records a head (or an erasure) for a subject that has no entries. */
        HEAD_WITHOUT_ENTRIES,
        /** A subject has entries but the store records no head for it. */
        ENTRIES_WITHOUT_HEAD,
        /** A stored entry cannot be read as an entry (an unknown kind or status, a missing required field). */
        MALFORMED_ENTRY
    }

    /**
     * One chain that does not verify.
     *
     * @param tenant      the tenant
     * @param subject     the subject (or its pseudonym)
     * @param firstBadRecord the first entry that failed, empty when the problem is after the last entry
     * @param sequence    the sequence number where the problem was found
     * @param problem     what is wrong
     */
    public record BrokenChain(
            String tenant, SubjectId subject, Optional<UUID> firstBadRecord, long sequence, Problem problem) {
        public BrokenChain {
            Checks.notNull(tenant, "brokenChain.tenant");
            Checks.notNull(subject, "brokenChain.subject");
            Checks.notNull(firstBadRecord, "brokenChain.firstBadRecord");
            Checks.notNull(problem, "brokenChain.problem");
        }
    }
}
