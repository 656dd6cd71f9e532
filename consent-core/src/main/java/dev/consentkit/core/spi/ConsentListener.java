package dev.consentkit.core.spi;

import dev.consentkit.core.AuditEntry;

/**
 * Receives every audit entry a manager wrote, on the writing thread, once the store returned from its write.
 * A listener that throws is logged and does not undo the write.
 *
 * <p>Two limits to know: entries of one write arrive in chain order, but concurrent writers of one subject may
 * deliver their entries interleaved (order by {@code link().sequence()} if it matters); and when a JDBC store
 * joined the caller's own transaction, the listener runs before the caller commits. Where delivery must follow
 * the commit and keep order, register the listener with the JDBC module's {@code OutboxRelay} instead.
 */
@FunctionalInterface
public interface ConsentListener {

    /** Called once per written entry. */
    void onCommitted(AuditEntry entry);
}
