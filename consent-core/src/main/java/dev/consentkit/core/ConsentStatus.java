package dev.consentkit.core;

/** What a subject said about one purpose. */
public enum ConsentStatus {
    /** Said yes. */
    GRANTED,
    /** Said no, never having said yes. */
    DENIED,
    /** Said no after yes (GDPR Art. 7(3)). */
    WITHDRAWN,
    /** Objected or unsubscribed (GDPR Art. 21, CCPA/CPRA opt-out, Global Privacy Control). */
    OPTED_OUT,
    /** Said yes, awaiting double opt-in confirmation. */
    PENDING;

    /** True for the records that say "no": denied, withdrawn, opted out. */
    public boolean isRefusal() {
        return this == DENIED || this == WITHDRAWN || this == OPTED_OUT;
    }
}
