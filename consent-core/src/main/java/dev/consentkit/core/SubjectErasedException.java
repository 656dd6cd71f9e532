package dev.consentkit.core;

/** A write was attempted for a subject whose data was erased; erased subjects accept no new records. */
public class SubjectErasedException extends ConsentException {

    private static final long serialVersionUID = 1L;

    public SubjectErasedException() {
        super("The subject was erased; no further statements can be recorded for it");
    }
}
