package dev.consentkit.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.SubjectConsents;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A subject's decisions and preferences, as {@code GET /subjects/{subject}/decisions} answers them.
 *
 * @param subject     the subject
 * @param at          when the decisions were made (ISO-8601)
 * @param decisions   one per declared purpose
 * @param preferences the subject's preferences, key to value
 */
public record DecisionsResponse(String subject, String at, List<Decision> decisions, Map<String, String> preferences) {

    /** The decisions of {@code state} and {@code preferences}. */
    public static DecisionsResponse of(SubjectConsents state, Map<String, String> preferences) {
        return new DecisionsResponse(
                state.subject().value(),
                state.at().toString(),
                state.decisions().values().stream().map(Decision::of).toList(),
                preferences);
    }

    /**
     * The decision for one purpose.
     *
     * @param purpose        the purpose id
     * @param allowed        whether processing is allowed
     * @param reason         why, for example {@code GRANTED} or {@code NO_RECORD}
     * @param purposeVersion the purpose version decided on
     * @param basis          the legal basis
     * @param status         the deciding record's status, absent without one
     * @param decidingRecord the deciding record's id, absent without one
     * @param effectiveAt    when the deciding record took effect (ISO-8601), absent without one
     * @param expiresAt      when the deciding grant lapses (ISO-8601), absent if it does not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Decision(
            String purpose,
            boolean allowed,
            String reason,
            int purposeVersion,
            String basis,
            @Nullable String status,
            @Nullable String decidingRecord,
            @Nullable String effectiveAt,
            @Nullable String expiresAt) {

        /** {@code decision} as it is answered. */
        public static Decision of(ConsentDecision decision) {
            return decision.record()
                    .map(r -> new Decision(
                            decision.purpose().value(),
                            decision.allowed(),
                            decision.reason().name(),
                            decision.purposeVersion(),
                            decision.basis().name(),
                            r.status().name(),
                            r.id().toString(),
                            r.effectiveAt().toString(),
                            text(r.expiresAt())))
                    .orElseGet(() -> new Decision(
                            decision.purpose().value(),
                            decision.allowed(),
                            decision.reason().name(),
                            decision.purposeVersion(),
                            decision.basis().name(),
                            null,
                            null,
                            null,
                            null));
        }
    }

    static @Nullable String text(Optional<Instant> instant) {
        return instant.map(Instant::toString).orElse(null);
    }
}
