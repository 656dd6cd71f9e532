package dev.consentkit.core.internal;

import dev.consentkit.core.InvalidConsentRequestException;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The checks behind the exception policy of public values and builders
 * (see the {@code dev.consentkit.core} package documentation): bad caller input becomes an
 * {@link InvalidConsentRequestException} naming the field, never a {@link NullPointerException},
 * {@link IllegalArgumentException} or {@link IllegalStateException}. Messages describe the rule, never the value.
 */
public final class Checks {

    private Checks() {}

    /** {@code value}, or an {@link InvalidConsentRequestException} naming {@code field} when it is null. */
    public static <T> T notNull(@Nullable T value, String field) {
        if (value == null) {
            throw InvalidConsentRequestException.of(field, "must not be null");
        }
        return value;
    }

    /** {@code value} if it is neither null nor blank; otherwise an exception naming {@code field}. */
    public static String notBlank(@Nullable String value, String field) {
        if (value == null) {
            throw InvalidConsentRequestException.of(field, "must not be null");
        }
        if (value.isBlank()) {
            throw InvalidConsentRequestException.of(field, "must not be blank");
        }
        return value;
    }

    /** Throws an {@link InvalidConsentRequestException} naming {@code field} unless {@code valid}. */
    public static void check(boolean valid, String field, String message) {
        if (!valid) {
            throw InvalidConsentRequestException.of(field, message);
        }
    }
}
