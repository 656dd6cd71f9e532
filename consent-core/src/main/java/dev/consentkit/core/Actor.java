package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.TextValidators;
import java.util.Optional;

/**
 * Who captured a choice: the subject itself, an agent (a call-centre employee, a shop clerk) or a
 * system (an import job, a rule).
 *
 * @param type who acted
 * @param id   the agent's or system's identifier; empty for the subject, whose id the record holds
 */
public record Actor(Type type, Optional<String> id) {

    /** The kinds of actor. */
    public enum Type {
        SUBJECT,
        AGENT,
        SYSTEM
    }

    private static final Actor SUBJECT = new Actor(Type.SUBJECT, Optional.empty());

    public Actor {
        Checks.notNull(type, "evidence.actor.type");
        Checks.notNull(id, "evidence.actor.id");
        if (type == Type.SUBJECT && id.isPresent()) {
            throw InvalidConsentRequestException.of("evidence.actor.id", "must be empty when the subject itself acted");
        }
        if (type != Type.SUBJECT) {
            String value = id.orElse("");
            if (value.isBlank()
                    || value.length() > 255
                    || TextValidators.hasControlCharacter(value, false)
                    || TextValidators.hasUnpairedSurrogate(value)) {
                throw InvalidConsentRequestException.of(
                        "evidence.actor.id",
                        "must be 1..255 characters without control characters for an agent or system");
            }
        }
    }

    /** The subject itself acted. */
    public static Actor subject() {
        return SUBJECT;
    }

    /** An agent acted on the subject's behalf, for example a call-centre employee. */
    public static Actor agent(String agentId) {
        return new Actor(Type.AGENT, Optional.ofNullable(agentId));
    }

    /** A system acted, for example an import job. */
    public static Actor system(String systemName) {
        return new Actor(Type.SYSTEM, Optional.ofNullable(systemName));
    }

    /** True if the subject itself acted. */
    public boolean isSubject() {
        return type == Type.SUBJECT;
    }
}
