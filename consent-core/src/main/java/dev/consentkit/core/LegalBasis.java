package dev.consentkit.core;

/** The GDPR Art. 6(1) lawful basis a purpose relies on. */
public enum LegalBasis {
    /** Art. 6(1)(a): opt-in. Allowed only with a current, valid grant. */
    CONSENT,
    /** Art. 6(1)(b): needed to perform a contract. Always allowed. */
    CONTRACT,
    /** Art. 6(1)(c): required by law. Always allowed. */
    LEGAL_OBLIGATION,
    /** Art. 6(1)(d): protects someone's life. Always allowed. */
    VITAL_INTERESTS,
    /** Art. 6(1)(e): a task in the public interest. Always allowed. */
    PUBLIC_TASK,
    /** Art. 6(1)(f): opt-out. Allowed unless the subject said no. */
    LEGITIMATE_INTERESTS;

    /** True for the bases that allow processing without asking the subject. */
    public boolean independentOfChoice() {
        return this != CONSENT && this != LEGITIMATE_INTERESTS;
    }
}
