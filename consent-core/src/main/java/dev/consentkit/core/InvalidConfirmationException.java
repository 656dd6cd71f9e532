package dev.consentkit.core;

/** A double opt-in confirmation token was unknown, already used, or its pending grant was superseded. */
public class InvalidConfirmationException extends ConsentException {

    private static final long serialVersionUID = 1L;

    public InvalidConfirmationException(String message) {
        super(message);
    }
}
