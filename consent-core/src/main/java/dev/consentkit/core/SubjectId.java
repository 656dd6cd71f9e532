package dev.consentkit.core;

import dev.consentkit.core.internal.IdRules;

/**
 * The person a record is about: an opaque string of 1 to 255 characters without control or
 * line-separator characters. ConsentKit never logs it and never puts it into exception messages.
 *
 * @param value the identifier as the application knows it
 */
public record SubjectId(String value) implements Comparable<SubjectId> {

    /** The longest identifier accepted. */
    public static final int MAX_LENGTH = IdRules.SUBJECT_MAX_LENGTH;

    public SubjectId {
        String problem = problem(value);
        if (problem != null) {
            throw InvalidConsentRequestException.of("subject", problem);
        }
    }

    /** Parses and validates {@code value}; throws {@link InvalidConsentRequestException} naming {@code subject}. */
    public static SubjectId of(String value) {
        return new SubjectId(value);
    }

    /** Why {@code value} is not a valid subject id, or {@code null} if it is. */
    static @org.jspecify.annotations.Nullable String problem(@org.jspecify.annotations.Nullable String value) {
        return IdRules.subjectProblem(value);
    }

    @Override
    public int compareTo(SubjectId other) {
        return value.compareTo(other.value);
    }

    /** Redacted: subject identifiers are personal data and must not reach logs by accident. */
    @Override
    public String toString() {
        return "SubjectId[redacted]";
    }
}
