package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.IdRules;
import dev.consentkit.core.internal.TextValidators;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A communication preference that is not a yes/no, for example {@code newsletter.frequency} with values
 * {@code daily}, {@code weekly}, {@code monthly}. Channel and topic opt-ins are purposes, not preferences.
 *
 * @param key           a dotted key shaped like a purpose id
 * @param allowedValues the values a subject may choose, in display order
 * @param defaultValue  what {@link ConsentManager#preference} answers before the subject chose
 */
public record PreferenceDefinition(String key, List<String> allowedValues, Optional<String> defaultValue) {

    private static final int MAX_VALUE_LENGTH = 255;

    public PreferenceDefinition {
        Checks.notNull(key, "preferenceDefinition.key");
        String shape = IdRules.purposeProblem(key);
        if (shape != null) {
            throw InvalidConsentRequestException.of("preferenceDefinition.key", shape);
        }
        Checks.notNull(allowedValues, "preferenceDefinition.allowedValues");
        Checks.check(!allowedValues.isEmpty(), "preferenceDefinition.allowedValues", "must not be empty");
        for (String v : allowedValues) {
            Checks.check(
                    v != null
                            && !v.isBlank()
                            && v.length() <= MAX_VALUE_LENGTH
                            && !TextValidators.hasUnpairedSurrogate(v),
                    "preferenceDefinition.allowedValues",
                    "must be 1.." + MAX_VALUE_LENGTH + " characters of well-formed text each");
        }
        allowedValues = List.copyOf(allowedValues);
        Checks.notNull(defaultValue, "preferenceDefinition.defaultValue");
        Checks.check(
                defaultValue.isEmpty() || allowedValues.contains(defaultValue.get()),
                "preferenceDefinition.defaultValue",
                "must be an allowed value");
    }

    /** A preference with these allowed values and no default. */
    public static PreferenceDefinition of(String key, String... allowedValues) {
        return new PreferenceDefinition(
                key,
                Arrays.asList(Checks.notNull(allowedValues, "preferenceDefinition.allowedValues")),
                Optional.empty());
    }

    /** A copy with {@code defaultValue} as the default. */
    public PreferenceDefinition withDefault(String defaultValue) {
        return new PreferenceDefinition(
                key, allowedValues, Optional.of(Checks.notNull(defaultValue, "preferenceDefinition.defaultValue")));
    }
}
