package dev.consentkit.core;

/** A purpose that was never declared was asked about. ConsentKit fails closed: it never says "allowed". */
public class UnknownPurposeException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final String purpose;

    public UnknownPurposeException(String purpose) {
        super("Unknown purpose '" + purpose + "': declare it with ConsentManager.builder().purposes(...)");
        this.purpose = purpose;
    }

    /** The purpose id that was asked about. */
    public String purpose() {
        return purpose;
    }
}
