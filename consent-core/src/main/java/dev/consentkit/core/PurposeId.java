package dev.consentkit.core;

import dev.consentkit.core.internal.IdRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Why data is processed: a lower-case dotted path such as {@code marketing.email}. Each segment
 * matches {@code [a-z0-9][a-z0-9_-]*}; the whole id is at most 128 characters. Dots form a
 * hierarchy: {@code marketing} is the parent of {@code marketing.email}, and a record on a parent
 * covers its descendants.
 *
 * @param value the dotted path
 */
public record PurposeId(String value) implements Comparable<PurposeId> {

    /** The longest id accepted. */
    public static final int MAX_LENGTH = IdRules.PURPOSE_MAX_LENGTH;

    public PurposeId {
        String problem = problem(value);
        if (problem != null) {
            throw InvalidConsentRequestException.of("purpose", problem);
        }
    }

    /** Parses and validates {@code value}; throws {@link InvalidConsentRequestException} naming {@code purpose}. */
    public static PurposeId of(String value) {
        return new PurposeId(value);
    }

    static @org.jspecify.annotations.Nullable String problem(@org.jspecify.annotations.Nullable String value) {
        return IdRules.purposeProblem(value);
    }

    /** The parent purpose, or empty for a top-level purpose. */
    public Optional<PurposeId> parent() {
        int dot = value.lastIndexOf('.');
        return dot < 0 ? Optional.empty() : Optional.of(new PurposeId(value.substring(0, dot)));
    }

    /** Every ancestor, nearest first: {@code a.b.c} gives {@code [a.b, a]}. */
    public List<PurposeId> ancestors() {
        List<PurposeId> result = new ArrayList<>();
        for (int dot = value.lastIndexOf('.'); dot > 0; dot = value.lastIndexOf('.', dot - 1)) {
            result.add(new PurposeId(value.substring(0, dot)));
        }
        return Collections.unmodifiableList(result);
    }

    /** This purpose followed by its ancestors: every purpose whose records cover this one. */
    public List<PurposeId> selfAndAncestors() {
        List<PurposeId> result = new ArrayList<>();
        result.add(this);
        result.addAll(ancestors());
        return Collections.unmodifiableList(result);
    }

    /** True if this purpose is {@code other} or one of its ancestors. */
    public boolean covers(PurposeId other) {
        return other.value.equals(value) || other.value.startsWith(value + ".");
    }

    @Override
    public int compareTo(PurposeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
