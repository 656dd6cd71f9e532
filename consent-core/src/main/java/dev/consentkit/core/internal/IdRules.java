package dev.consentkit.core.internal;

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

    private IdRules() {}

    /**
     * True if {@code value} is a valid subject id ({@link #subjectProblem} says why not): one pass over the
     * characters, no regular expression, nothing allocated. Not blank, at most {@link #SUBJECT_MAX_LENGTH}
     * characters, no control or line-separator character, no surrogate that is not half of a pair.
     */
    public static boolean isValidSubject(@Nullable String value) {
        if (value == null) {
            return false;
        }
        int length = value.length();
        if (length == 0 || length > SUBJECT_MAX_LENGTH) {
            return false;
        }
        boolean blank = true;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029') {
                return false; // a control character (Character.isISOControl) or a line or paragraph separator
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c)
                        || i + 1 >= length
                        || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++; // a pair: one supplementary character, never white space
                blank = false;
            } else if (blank && !Character.isWhitespace(c)) {
                blank = false;
            }
        }
        return !blank;
    }

    /** Why {@code value} is not a valid subject id, or {@code null} if it is. */
    public static @Nullable String subjectProblem(@Nullable String value) {
        if (isValidSubject(value)) {
            return null;
        }
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
        if (!hasPurposeShape(value)) {
            return "must be lower-case dotted segments of [a-z0-9][a-z0-9_-]*";
        }
        return null;
    }

    /**
     * True if {@code value} is lower-case dotted segments, each {@code [a-z0-9][a-z0-9_-]*}: checked character by
     * character, without a regular expression.
     */
    static boolean hasPurposeShape(String value) {
        boolean segmentStart = true;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (segmentStart) {
                if (!alnum) {
                    return false;
                }
                segmentStart = false;
            } else if (c == '.') {
                segmentStart = true;
            } else if (!alnum && c != '_' && c != '-') {
                return false;
            }
        }
        return !segmentStart;
    }
}
