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
 * @param checkpointProblems what a {@link Checkpoint} says the log held that it no longer holds, or why the
 *                        checkpoint itself cannot be trusted; empty when no checkpoint was verified
 */
public record VerificationReport(
        long recordsChecked,
        long subjectsChecked,
        List<BrokenChain> brokenChains,
        List<CheckpointProblem> checkpointProblems) {

    public VerificationReport {
        brokenChains = copyWithoutNulls(brokenChains);
        Checks.notNull(checkpointProblems, "verificationReport.checkpointProblems");
        for (int i = 0; i < checkpointProblems.size(); i++) {
            Checks.notNull(checkpointProblems.get(i), "verificationReport.checkpointProblems[" + i + "]");
        }
        checkpointProblems = List.copyOf(checkpointProblems);
    }

    /** A report of chains only, without a checkpoint. */
    public VerificationReport(long recordsChecked, long subjectsChecked, List<BrokenChain> brokenChains) {
        this(recordsChecked, subjectsChecked, brokenChains, List.of());
    }

    private static List<BrokenChain> copyWithoutNulls(List<BrokenChain> given) {
        Checks.notNull(given, "verificationReport.brokenChains");
        for (int i = 0; i < given.size(); i++) {
            Checks.notNull(given.get(i), "verificationReport.brokenChains[" + i + "]");
        }
        return List.copyOf(given);
    }

    /** True if every chain verified and so did the checkpoint, if one was given. */
    public boolean intact() {
        return brokenChains.isEmpty() && checkpointProblems.isEmpty();
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
        MALFORMED_ENTRY,
        /**
         * A checkpoint's signature does not verify under the configured key, or names another algorithm or key id:
         * its count, root, time or tenant were altered, or it was never signed by this key. Nothing else is checked.
         */
        CHECKPOINT_SIGNATURE_INVALID,
        /** A checkpoint of another tenant was given: nothing else is checked. */
        CHECKPOINT_OTHER_TENANT,
        /**
         * Fewer chains have entries recorded at or before the checkpoint than it counted: a whole chain was deleted
         * (with its head and state, or not).
         */
        CHAIN_MISSING,
        /**
         * As many chains as the checkpoint counted, but the root over their last entries recorded by then differs:
         * entries covered by the checkpoint were deleted or changed, a chain was rewound to an earlier entry (with
         * its head and state, so that chain, head and state agree), or one chain was deleted and another backdated.
         */
        CHAIN_REWOUND,
        /**
         * More chains have entries recorded at or before the checkpoint than it counted: entries were inserted with
         * a recorded time before it (or a write was stamped earlier than the checkpoint's grace allowed for).
         */
        CHAIN_BACKDATED
    }

    /**
     * What a checkpoint disagrees with. No subject is named: a checkpoint holds only a count and a root, so it proves
     * that something it covered changed, and {@link BrokenChain broken chains} or an older checkpoint's narrower
     * window tell where.
     *
     * @param tenant          the tenant the checkpoint names
     * @param checkpointId    the checkpoint's id
     * @param problem         one of the checkpoint problems ({@code CHECKPOINT_*}, {@code CHAIN_MISSING},
     *                        {@code CHAIN_REWOUND}, {@code CHAIN_BACKDATED})
     * @param checkpointChains how many chains the checkpoint counted
     * @param foundChains     how many chains the log has with entries recorded by then; -1 when not counted
     */
    public record CheckpointProblem(
            String tenant, UUID checkpointId, Problem problem, long checkpointChains, long foundChains) {
        public CheckpointProblem {
            Checks.notNull(tenant, "checkpointProblem.tenant");
            Checks.notNull(checkpointId, "checkpointProblem.checkpointId");
            Checks.notNull(problem, "checkpointProblem.problem");
        }
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
