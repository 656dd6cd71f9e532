package dev.consentkit.core;

/** Thrown by {@link ConsentManager#require(String, String)} when processing is not allowed. */
public class ConsentDeniedException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final transient ConsentDecision decision;

    public ConsentDeniedException(ConsentDecision decision) {
        super("Processing for purpose '" + decision.purpose() + "' is not allowed: " + decision.reason());
        this.decision = decision;
    }

    /** The decision that denied processing, with its reason and deciding record. */
    public ConsentDecision decision() {
        return decision;
    }
}
