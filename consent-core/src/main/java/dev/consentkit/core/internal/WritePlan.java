package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.spi.SubjectState;
import java.util.List;

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
}
