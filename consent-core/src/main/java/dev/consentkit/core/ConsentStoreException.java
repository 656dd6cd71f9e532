package dev.consentkit.core;

import java.util.Objects;

/**
 * The store failed. Names the operation, whether anything of it was written ({@link #outcome()}) and, where the
 * store can tell, why ({@link #reason()}). The message carries the operation and, for a database failure, its
 * SQLState and vendor code, never the driver's message (which may quote bound values such as subject ids); the
 * cause, where there is one, is a scrubbed copy of the driver's failure that keeps only its class name, SQLState
 * and vendor code.
 */
public class ConsentStoreException extends ConsentException {

    private static final long serialVersionUID = 1L;

    /** Why a store operation failed, where the store can tell. */
    public enum Reason {
        /**
         * The write waited for another transaction's lock on the subject longer than the store's lock timeout.
         * It was tried once and not retried: another writer holds the subject, so trying again later may succeed.
         */
        LOCK_TIMEOUT,
        /** Any other failure. */
        OTHER
    }

    /**
     * Whether the failed operation wrote anything. A write that did commit is never reported as a failure: when the
     * connection is lost while a commit is in flight, the manager looks the write up on a fresh connection and
     * returns it as a success (listeners hear of it once) if it committed.
     */
    public enum Outcome {
        /**
         * Nothing of the operation was written, and nothing of it will be: the transaction was rolled back, never
         * committed, or the lookup after a lost connection found none of its entries once the interrupted
         * transaction had ended. Repeating the operation, with or without an idempotency key, writes it once.
         * Every failed read has this outcome.
         */
        NOT_WRITTEN,
        /**
         * Whether the write committed cannot be told: the connection was lost while its commit was in flight and
         * the database stayed unreachable, so the lookup could not be made. Repeat the write with the same
         * idempotency key (which returns the earlier record if it did commit), or look it up before repeating it.
         */
        UNKNOWN
    }

    private final String operation;
    private final Reason reason;
    private final Outcome outcome;

    /** A failure of {@code operation} that wrote nothing, for {@link Reason#OTHER}. */
    public ConsentStoreException(String operation, String message, Throwable cause) {
        this(operation, Reason.OTHER, Outcome.NOT_WRITTEN, message, cause);
    }

    /** A failure of {@code operation} that wrote nothing. */
    public ConsentStoreException(String operation, Reason reason, String message, Throwable cause) {
        this(operation, reason, Outcome.NOT_WRITTEN, message, cause);
    }

    /** A failure of {@code operation} with the outcome the store can vouch for. */
    public ConsentStoreException(String operation, Reason reason, Outcome outcome, String message, Throwable cause) {
        super(
                "Consent store operation '" + operation + "' failed"
                        + (outcome == Outcome.UNKNOWN ? " (outcome unknown)" : "") + ": " + message,
                cause);
        this.operation = operation;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.outcome = Objects.requireNonNull(outcome, "outcome");
    }

    /** The store operation that failed, for example {@code append} or {@code history}. */
    public String operation() {
        return operation;
    }

    /** Why it failed; {@link Reason#OTHER} unless the store recognised the failure. */
    public Reason reason() {
        return reason;
    }

    /** Whether anything of the operation was written: {@link Outcome#NOT_WRITTEN} unless it cannot be told. */
    public Outcome outcome() {
        return outcome;
    }
}
