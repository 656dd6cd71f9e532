package dev.consentkit.core;

/** The store failed. Names the operation; the store guarantees nothing of that operation was written. */
public class ConsentStoreException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final String operation;

    public ConsentStoreException(String operation, String message, Throwable cause) {
        super("Consent store operation '" + operation + "' failed: " + message, cause);
        this.operation = operation;
    }

    /** The store operation that failed, for example {@code append} or {@code history}. */
    public String operation() {
        return operation;
    }
}
