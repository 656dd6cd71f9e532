package dev.consentkit.core.spi;

import dev.consentkit.core.AuditEntry;

/**
 * Receives every audit entry a manager wrote, once it is committed, on the thread that wrote it (or, with a
 * {@link CommitHook}, on the thread that committed the caller's transaction). A listener never hears of a write
 * that rolled back. A listener that throws is logged and does not undo the write.
 *
 * <p>Two limits to know: entries of one write arrive in chain order, but concurrent writers of one subject may
 * deliver their entries interleaved (order by {@code link().sequence()} if it matters); and writes made inside a
 * caller's own transaction reach listeners only through a {@link CommitHook} (see
 * {@link dev.consentkit.core.ConsentManagerBuilder#commitHook}). Where delivery must survive a crash and keep
 * order per subject, register the listener with the JDBC module's {@code OutboxRelay} instead.
 */
@FunctionalInterface
public interface ConsentListener {

    /** Called once per written entry. */
    void onCommitted(AuditEntry entry);
}
