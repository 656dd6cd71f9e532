package dev.consentkit.core;

/**
 * An idempotency key was used again for a different command. A key names one command: the same key with the same
 * command returns the first record and writes nothing, but the same key with another subject, purpose, status,
 * purpose version, effective time or evidence is refused, and nothing is written. Use a new key for every new
 * command (for example one per submitted choice of a form), and the same key only to retry it.
 *
 * <p>The message names neither the key nor the subject.
 */
public class IdempotencyConflictException extends ConsentException {

    private static final long serialVersionUID = 1L;

    public IdempotencyConflictException() {
        super("The idempotency key was already used for a different command; nothing was written");
    }
}
