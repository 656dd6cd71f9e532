package dev.consentkit.core;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A decision for every declared purpose for one subject, as of one instant.
 *
 * @param subject   the subject
 * @param decisions the decision per purpose, ordered by purpose id
 * @param at        the instant decided for
 */
public record SubjectConsents(SubjectId subject, Map<PurposeId, ConsentDecision> decisions, Instant at) {

    public SubjectConsents {
        decisions = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(decisions));
    }

    /** The decision for {@code purpose}, or empty if it is not declared. */
    public Optional<ConsentDecision> decision(String purpose) {
        return Optional.ofNullable(decisions.get(PurposeId.of(purpose)));
    }

    /** True if processing for {@code purpose} is allowed; throws {@link UnknownPurposeException} if undeclared. */
    public boolean allowed(String purpose) {
        return decision(purpose)
                .orElseThrow(() -> new UnknownPurposeException(purpose))
                .allowed();
    }

    @Override
    public String toString() {
        return "SubjectConsents[decisions=" + decisions + ", at=" + at + "]";
    }
}
