package dev.consentkit.core;

/**
 * Root of every exception ConsentKit throws. Unchecked. Messages never contain a subject
 * identifier or evidence, so handlers may log them; the specific subtypes carry their data in fields.
 */
public class ConsentException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConsentException(String message) {
        super(message);
    }

    public ConsentException(String message, Throwable cause) {
        super(message, cause);
    }
}
