package dev.consentkit.core.internal;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.InvalidConsentRequestException.Violation;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.SubjectId;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.TraversableResolver;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.lang.annotation.ElementType;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Validates what callers hand a manager before anything touches the
 * store: Hibernate Validator checks the constraints on commands and evidence ({@code @PastOrPresent} against the
 * manager's clock), then the id rules, the declared purposes and versions and the combinations are checked. Every
 * violation is collected into one {@link InvalidConsentRequestException}; messages name fields, never values.
 */
public final class CommandValidator {

    private static final Instant EARLIEST = Instant.EPOCH;

    private final Validator validator;
    private final PurposeIndex purposes;

    public CommandValidator(Clock clock, PurposeIndex purposes) {
        this.validator =
                Factory.INSTANCE.usingContext().clockProvider(() -> clock).getValidator();
        this.purposes = purposes;
    }

    /** {@code value}, or an {@link InvalidConsentRequestException} naming {@code parameter} when it is null. */
    public static <T> T required(@Nullable T value, String parameter) {
        return Checks.notNull(value, parameter);
    }

    /** Checks every command of a batch (fields prefixed {@code commands[i].} when there are several). */
    public void validateAll(@Nullable List<ConsentCommand> batch) {
        List<ConsentCommand> commands = required(batch, "commands");
        List<Violation> violations = new ArrayList<>();
        // evidence is a value holding no time: equal evidence has equal violations, so commands that share it (one
        // instance, or equal ones built per command) have it validated once
        Map<Evidence, List<Violation>> evidenceChecked = new HashMap<>();
        for (int i = 0; i < commands.size(); i++) {
            String prefix = commands.size() == 1 ? "" : "commands[" + i + "].";
            ConsentCommand c = commands.get(i);
            if (c == null) {
                violations.add(new Violation("commands[" + i + "]", "must not be null"));
                continue;
            }
            List<Violation> found = validate(c, prefix);
            if (c.evidence() != null) {
                evidenceChecked
                        .computeIfAbsent(c.evidence(), e -> evidenceViolations(e, ""))
                        .forEach(v -> found.add(new Violation(prefix + "evidence." + v.field(), v.message())));
            }
            found.sort(Comparator.comparing(Violation::field));
            violations.addAll(found);
        }
        repeatedIdempotencyKeys(commands, violations);
        throwIfAny(violations);
    }

    /**
     * An idempotency key names one command, so two commands of one batch may not share one, not even two equal
     * commands: the later one is reported, naming the earlier.
     */
    private static void repeatedIdempotencyKeys(List<ConsentCommand> commands, List<Violation> violations) {
        Map<String, Integer> firstUse = new HashMap<>();
        for (int i = 0; i < commands.size(); i++) {
            ConsentCommand c = commands.get(i);
            if (c == null || c.idempotencyKey() == null || c.idempotencyKey().isEmpty()) {
                continue;
            }
            Integer earlier = firstUse.putIfAbsent(c.idempotencyKey().get(), i);
            if (earlier != null) {
                violations.add(new Violation(
                        "commands[" + i + "].idempotencyKey", "must not repeat the key of commands[" + earlier + "]"));
            }
        }
    }

    private List<Violation> validate(ConsentCommand c, String prefix) {
        List<Violation> found = new ArrayList<>(violations(validator.validate(c), prefix));
        // the id rules report null too (the @NotNull violations on subject and purpose are dropped)
        addProblem(found, prefix + "subject", IdRules.subjectProblem(c.subject()));
        if (c.idempotencyKey() != null
                && c.idempotencyKey().isPresent()
                && IdempotencyKeys.isGenerated(c.idempotencyKey().get())) {
            found.add(new Violation(
                    prefix + "idempotencyKey",
                    "must not start with " + IdempotencyKeys.GENERATED_PREFIX
                            + ", which marks the keys ConsentKit generates"));
        }
        String shape = IdRules.purposeProblem(c.purpose());
        if (shape != null) {
            found.add(new Violation(prefix + "purpose", shape));
        } else {
            Purpose p = purposes.find(c.purpose());
            if (p == null) {
                found.add(new Violation(prefix + "purpose", "must be a declared purpose"));
            } else if (c.purposeVersion() != null
                    && c.purposeVersion().isPresent()
                    && purposes.registry()
                            .version(p.id(), c.purposeVersion().get())
                            .isEmpty()) {
                found.add(new Violation(prefix + "purposeVersion", "must be a declared version of the purpose"));
            }
        }
        if (c.pendingConfirmation() && c.status() != ConsentStatus.GRANTED) {
            found.add(new Violation(prefix + "pendingConfirmation", "applies to grants only"));
        }
        if (c.effectiveAt() != null
                && c.effectiveAt().isPresent()
                && c.effectiveAt().get().isBefore(EARLIEST)) {
            found.add(new Violation(prefix + "effectiveAt", "must not be before 1970"));
        }
        found.sort(Comparator.comparing(Violation::field));
        return found;
    }

    /** {@code evidence} if it is valid; otherwise the violations, named {@code evidence.*}. */
    public Evidence evidence(@Nullable Evidence evidence) {
        Evidence given = required(evidence, "evidence");
        throwIfAny(evidenceViolations(given, "evidence."));
        return given;
    }

    /** Checks a preference change against the declared preferences. */
    public void preference(
            @Nullable String subject,
            @Nullable String key,
            @Nullable String value,
            @Nullable Evidence evidence,
            Map<String, PreferenceDefinition> definitions) {
        List<Violation> violations = new ArrayList<>();
        addProblem(violations, "subject", IdRules.subjectProblem(subject));
        PreferenceDefinition definition = key == null ? null : definitions.get(key);
        if (definition == null) {
            violations.add(new Violation("key", "must be a declared preference"));
        } else if (value == null || !definition.allowedValues().contains(value)) {
            violations.add(new Violation("value", "must be one of " + definition.allowedValues()));
        }
        if (evidence == null) {
            violations.add(new Violation("evidence", "must not be null"));
        } else {
            violations.addAll(evidenceViolations(evidence, "evidence."));
        }
        throwIfAny(violations);
    }

    /** The constraints on {@code evidence}, then whether its locale can be stored as the language tag it is. */
    private List<Violation> evidenceViolations(Evidence evidence, String prefix) {
        List<Violation> found = violations(validator.validate(evidence), prefix);
        Locale locale = evidence.locale() == null ? null : evidence.locale().orElse(null);
        if (locale != null) {
            addProblem(
                    found, prefix + "locale", TextValidators.localeProblem(locale, TextValidators.LOCALE_MAX_LENGTH));
        }
        return found;
    }

    /** The declared preference {@code key}. */
    public static PreferenceDefinition declaredPreference(
            @Nullable String key, Map<String, PreferenceDefinition> definitions) {
        PreferenceDefinition definition = key == null ? null : definitions.get(key);
        if (definition == null) {
            throw InvalidConsentRequestException.of("key", "must be a declared preference");
        }
        return definition;
    }

    /** Checks an erasure request. */
    public static void erasure(@Nullable String subject, @Nullable String reason) {
        List<Violation> violations = new ArrayList<>();
        addProblem(violations, "subject", IdRules.subjectProblem(subject));
        if (reason == null
                || reason.isBlank()
                || reason.length() > 255
                || TextValidators.hasControlCharacter(reason, false)
                || TextValidators.hasUnpairedSurrogate(reason)) {
            violations.add(new Violation(
                    "reason", "must be 1..255 characters of well-formed text without control characters"));
        }
        throwIfAny(violations);
    }

    /** Checks the instants of a question about the past: neither may be null or after {@code now}. */
    public static void pastInstants(@Nullable Instant at, @Nullable Instant asKnownAt, Instant now) {
        List<Violation> violations = new ArrayList<>();
        if (at == null || at.truncatedTo(ChronoUnit.MICROS).isAfter(now)) {
            violations.add(new Violation("at", "must not be null or in the future"));
        }
        if (asKnownAt == null || asKnownAt.truncatedTo(ChronoUnit.MICROS).isAfter(now)) {
            violations.add(new Violation("asKnownAt", "must not be null or in the future"));
        }
        throwIfAny(violations);
    }

    /** Parses every candidate subject id, naming each bad one {@code candidates[i]}. */
    public static List<SubjectId> candidates(@Nullable Collection<String> given) {
        Collection<String> candidates = required(given, "candidates");
        List<SubjectId> ids = new ArrayList<>(candidates.size());
        List<Violation> violations = new ArrayList<>();
        int i = 0;
        for (String c : candidates) {
            String problem = IdRules.subjectProblem(c);
            if (problem != null) {
                violations.add(new Violation("candidates[" + i + "]", problem));
            } else {
                ids.add(new SubjectId(c));
            }
            i++;
        }
        throwIfAny(violations);
        return ids;
    }

    /** Checks typed candidate ids: none may be null. */
    public static List<SubjectId> typedCandidates(@Nullable Collection<SubjectId> given) {
        Collection<SubjectId> candidates = required(given, "candidates");
        List<Violation> violations = new ArrayList<>();
        int i = 0;
        for (SubjectId c : candidates) {
            if (c == null) {
                violations.add(new Violation("candidates[" + i + "]", "must not be null"));
            }
            i++;
        }
        throwIfAny(violations);
        return List.copyOf(candidates);
    }

    private static <T> List<Violation> violations(Set<ConstraintViolation<T>> set, String prefix) {
        List<Violation> result = new ArrayList<>();
        for (ConstraintViolation<T> v : set) {
            String field = prefix + fieldName(v.getPropertyPath());
            if (field.endsWith("subject") || field.endsWith("purpose")) {
                continue; // reported by the id checks, which say more
            }
            result.add(new Violation(field, v.getMessage()));
        }
        return result;
    }

    private static String fieldName(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            String name = node.getName();
            if (name != null && !name.startsWith("<")) {
                names.add(name);
            }
        }
        return String.join(".", names);
    }

    private static void addProblem(List<Violation> violations, String field, @Nullable String problem) {
        if (problem != null) {
            violations.add(new Violation(field, problem));
        }
    }

    private static void throwIfAny(List<Violation> violations) {
        if (!violations.isEmpty()) {
            throw new InvalidConsentRequestException(violations);
        }
    }

    /**
     * One validator factory for all managers (building one takes long); each manager brings its own clock. Every
     * property is reachable and cascadable: commands and evidence are plain values, never JPA entities with lazy
     * state, so the JPA-aware resolver that Hibernate Validator picks when JPA is on the class path (it asks
     * {@code Persistence.isLoaded} for every property, a third of a batch's validation) has nothing to find.
     */
    private static final class Factory {
        static final ValidatorFactory INSTANCE = Validation.byProvider(HibernateValidator.class)
                .configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .traversableResolver(new TraverseAll())
                .buildValidatorFactory();

        private Factory() {}
    }

    /** Every property is reachable and cascadable. */
    private static final class TraverseAll implements TraversableResolver {
        @Override
        public boolean isReachable(
                Object bean, Path.Node property, Class<?> rootBean, Path pathToProperty, ElementType elementType) {
            return true;
        }

        @Override
        public boolean isCascadable(
                Object bean, Path.Node property, Class<?> rootBean, Path pathToProperty, ElementType elementType) {
            return true;
        }
    }
}
