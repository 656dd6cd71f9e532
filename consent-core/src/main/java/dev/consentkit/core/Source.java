package dev.consentkit.core;

/** The channel through which a choice was captured. */
public enum Source {
    WEB,
    MOBILE_APP,
    EMAIL,
    PHONE,
    IN_PERSON,
    PAPER,
    API,
    IMPORT,
    GPC_SIGNAL,
    SYSTEM;

    /**
     * True for channels where the subject states its choice directly. Imports, system decisions and
     * browser signals are not; they cannot lift a direct-marketing objection.
     */
    public boolean isDirectFromSubject() {
        return this != IMPORT && this != SYSTEM && this != GPC_SIGNAL;
    }
}
