package dev.consentkit.core.spi;

import dev.consentkit.core.AuditEntry;

/**
 * Receives every committed audit entry, after the store committed it, never an uncommitted one.
 * Called on the writing thread; a listener that throws is logged and does not undo the write.
 */
@FunctionalInterface
public interface ConsentListener {

    /** Called once per committed entry, in chain order for a subject. */
    void onCommitted(AuditEntry entry);
}
