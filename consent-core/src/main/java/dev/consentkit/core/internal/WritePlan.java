package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.spi.SubjectState;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what to append for one subject, given the subject's state read inside the store's lock or
 * transaction. The store seals the returned entries into the chain in order and commits them together with
 * the new current state, or not at all. A plan may throw a {@link dev.consentkit.core.ConsentException}
 * to refuse the write; then nothing is written.
 */
@FunctionalInterface
public interface WritePlan {

    /** The unsealed entries to append (possibly none). */
    List<AuditEntry> plan(SubjectState current);

    /**
     * The purposes whose current records the plan reads, including every purpose it may write a record on; the
     * state handed to {@link #plan} need hold only those (see {@link dev.consentkit.core.spi.StoreTransaction#lock(
     * String, List, Set)}). Empty (the default) when the plan may read every purpose.
     */
    default Optional<Set<PurposeId>> reads() {
        return Optional.empty();
    }

    /** {@code plan}, declared to read and write the records on {@code purposes} only (see {@link #reads}). */
    static WritePlan reading(Set<PurposeId> purposes, WritePlan plan) {
        Optional<Set<PurposeId>> reads = Optional.of(Set.copyOf(purposes));
        return new WritePlan() {
            @Override
            public List<AuditEntry> plan(SubjectState current) {
                return plan.plan(current);
            }

            @Override
            public Optional<Set<PurposeId>> reads() {
                return reads;
            }
        };
    }
}
