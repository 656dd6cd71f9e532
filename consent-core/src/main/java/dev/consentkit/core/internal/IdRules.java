package dev.consentkit.core.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The shape rules of subject and purpose ids, shared by the id records'
 * constructors and the command validation (which reports every problem at once instead of throwing the first).
 */
public final class IdRules {

    /** The longest subject id accepted. */
    public static final int SUBJECT_MAX_LENGTH = 255;
    /** The longest purpose id accepted. */
    public static final int PURPOSE_MAX_LENGTH = 128;

    private static final Pattern PURPOSE_SHAPE = Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*");

    private IdRules() {}

    /** Why {@code value} is not a valid subject id, or {@code null} if it is. */
    public static @Nullable String subjectProblem(@Nullable String value) {
        if (value == null) {
            return "must not be null";
        }
        if (value.isBlank()) {
            return "must not be empty or blank";
        }
        if (value.length() > SUBJECT_MAX_LENGTH) {
            return "must be at most " + SUBJECT_MAX_LENGTH + " characters";
        }
        if (TextValidators.hasControlCharacter(value, false)) {
            return "must not contain control characters";
        }
        if (TextValidators.hasUnpairedSurrogate(value)) {
            return "must be well-formed text (no unpaired surrogate)";
        }
        return null;
    }

    /** Why {@code value} is not a valid purpose id, or {@code null} if it is. */
    public static @Nullable String purposeProblem(@Nullable String value) {
        if (value == null) {
            return "must not be null";
        }
        if (value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > PURPOSE_MAX_LENGTH) {
            return "must be at most " + PURPOSE_MAX_LENGTH + " characters";
        }
        if (!PURPOSE_SHAPE.matcher(value).matches()) {
            return "must be lower-case dotted segments of [a-z0-9][a-z0-9_-]*";
        }
        return null;
    }
}
