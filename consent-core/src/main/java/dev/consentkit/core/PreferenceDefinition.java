package dev.consentkit.core;

import dev.consentkit.core.internal.TextValidators;
import java.util.List;
import java.util.Objects;
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

    public PreferenceDefinition {
        PurposeId.of(Objects.requireNonNull(key, "key"));
        allowedValues = List.copyOf(allowedValues);
        Objects.requireNonNull(defaultValue, "defaultValue");
        if (allowedValues.isEmpty()) {
            throw new IllegalArgumentException("Preference '" + key + "': allowedValues must not be empty");
        }
        if (allowedValues.stream()
                .anyMatch(v -> v.isBlank() || v.length() > 255 || TextValidators.hasUnpairedSurrogate(v))) {
            throw new IllegalArgumentException(
                    "Preference '" + key + "': values must be 1..255 characters of well-formed text");
        }
        if (defaultValue.isPresent() && !allowedValues.contains(defaultValue.get())) {
            throw new IllegalArgumentException("Preference '" + key + "': defaultValue must be an allowed value");
        }
    }

    /** A preference with these allowed values and no default. */
    public static PreferenceDefinition of(String key, String... allowedValues) {
        return new PreferenceDefinition(key, List.of(allowedValues), Optional.empty());
    }

    /** A copy with {@code defaultValue} as the default. */
    public PreferenceDefinition withDefault(String defaultValue) {
        return new PreferenceDefinition(key, allowedValues, Optional.of(defaultValue));
    }
}
