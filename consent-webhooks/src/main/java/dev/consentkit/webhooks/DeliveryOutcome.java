package dev.consentkit.webhooks;

/** What one row of the delivery log records, stored in its {@code outcome} column by these names. */
public enum DeliveryOutcome {
    /** The endpoint answered 2xx: it accepted the entry at the row's {@code attemptedAt}. */
    DELIVERED,
    /** The attempt failed: a non-2xx status, a timeout, a refused connection or another I/O failure. */
    FAILED,
    /**
     * The publisher gave up on the entry after its last allowed attempt failed and went on with the next entries;
     * this row follows that attempt's {@link #FAILED} row (with the next attempt number) and sends nothing.
     */
    DEAD_LETTERED
}
