package dev.consentkit.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A command, identifier, preference, value or builder property was invalid. Lists every violation with the field
 * it concerns; nothing was written. Messages name fields, never the rejected values. This is what every public
 * value constructor, static factory and builder throws for bad input, null included: see the
 * <a href="package-summary.html#exception-policy">exception policy</a>.
 */
public class InvalidConsentRequestException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final List<Violation> violations;

    public InvalidConsentRequestException(List<Violation> violations) {
        super(describe(violations));
        this.violations = List.copyOf(violations);
    }

    /** Convenience for a single violation. */
    public static InvalidConsentRequestException of(String field, String message) {
        return new InvalidConsentRequestException(List.of(new Violation(field, message)));
    }

    /** Every violation found, ordered by field. */
    public List<Violation> violations() {
        return violations;
    }

    /** The fields that were rejected, in order. */
    public List<String> fields() {
        return violations.stream().map(Violation::field).collect(Collectors.toList());
    }

    private static String describe(List<Violation> violations) {
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("at least one violation is required");
        }
        return "Invalid consent request: "
                + violations.stream().map(v -> v.field() + " " + v.message()).collect(Collectors.joining("; "));
    }

    /**
     * One rejected field.
     *
     * @param field   the field's path, for example {@code subject} or {@code evidence.ipAddress}
     * @param message what is wrong with it
     */
    public record Violation(String field, String message) implements java.io.Serializable {
        public Violation {
            java.util.Objects.requireNonNull(field, "field");
            java.util.Objects.requireNonNull(message, "message");
        }
    }
}
