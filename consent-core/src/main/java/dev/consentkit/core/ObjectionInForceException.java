package dev.consentkit.core;

/**
 * A grant was refused because the subject objected to direct marketing (GDPR Art. 21(3)). Only a
 * grant whose actor is the subject itself, captured directly from them, lifts such an objection.
 */
public class ObjectionInForceException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final PurposeId purpose;

    public ObjectionInForceException(PurposeId purpose) {
        super("The subject objected to direct marketing for purpose '" + purpose
                + "'; only a grant by the subject itself can lift the objection");
        this.purpose = purpose;
    }

    /** The purpose the grant was for. */
    public PurposeId purpose() {
        return purpose;
    }
}
