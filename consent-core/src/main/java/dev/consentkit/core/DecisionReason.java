package dev.consentkit.core;

/** Why a {@link ConsentDecision} came out the way it did. */
public enum DecisionReason {
    /** Allowed: the purpose relies on contract, legal obligation, vital interests or public task. */
    LEGAL_BASIS(true),
    /** Allowed: a current grant for a version at or above the purpose's reconsent version. */
    GRANTED(true),
    /** Allowed: a legitimate-interests purpose the subject has not objected to. */
    NOT_OBJECTED(true),
    /** Denied: consent is needed and the subject never said anything. */
    NO_RECORD(false),
    /** Denied: the subject said no. */
    DENIED(false),
    /** Denied: the subject withdrew consent. */
    WITHDRAWN(false),
    /** Denied: the subject objected or opted out. */
    OPTED_OUT(false),
    /** Denied: the grant awaits double opt-in confirmation. */
    PENDING_CONFIRMATION(false),
    /** Denied: the grant lapsed (the purpose's validity passed). */
    EXPIRED(false),
    /** Denied: the grant was for a version before the purpose's material change. */
    RECONSENT_REQUIRED(false),
    /** Denied: the subject was erased. */
    ERASED(false);

    private final boolean allows;

    DecisionReason(boolean allows) {
        this.allows = allows;
    }

    /** True if this reason allows processing. */
    public boolean allows() {
        return allows;
    }
}
