package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * The answer to "may we process this subject's data for this purpose at this instant?".
 *
 * @param purpose        the purpose asked about
 * @param reason         why; {@link DecisionReason#allows()} tells whether processing is allowed
 * @param purposeVersion the purpose version the rules were applied with
 * @param basis          the legal basis of that version
 * @param record         the record that decided, empty where none did
 * @param at             the instant the question was about
 */
public record ConsentDecision(
        PurposeId purpose,
        DecisionReason reason,
        int purposeVersion,
        LegalBasis basis,
        Optional<ConsentRecord> record,
        Instant at) {

    public ConsentDecision {
        Checks.notNull(purpose, "consentDecision.purpose");
        Checks.notNull(reason, "consentDecision.reason");
        Checks.notNull(basis, "consentDecision.basis");
        Checks.notNull(record, "consentDecision.record");
        Checks.notNull(at, "consentDecision.at");
    }

    /** True if processing is allowed. */
    public boolean allowed() {
        return reason.allows();
    }
}
