package dev.consentkit.core;

import java.util.Objects;

/**
 * The store failed. Names the operation and, where the store can tell, why ({@link #reason()}); the store
 * guarantees nothing of that operation was written.
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

    private final String operation;
    private final Reason reason;

    public ConsentStoreException(String operation, String message, Throwable cause) {
        this(operation, Reason.OTHER, message, cause);
    }

    public ConsentStoreException(String operation, Reason reason, String message, Throwable cause) {
        super("Consent store operation '" + operation + "' failed: " + message, cause);
        this.operation = operation;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The store operation that failed, for example {@code append} or {@code history}. */
    public String operation() {
        return operation;
    }

    /** Why it failed; {@link Reason#OTHER} unless the store recognised the failure. */
    public Reason reason() {
        return reason;
    }
}
