package dev.consentkit.testsupport;

import java.io.PrintStream;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The gate behind {@link RequiresDatabase}, {@link RequiresRabbitMq} and {@link RequiresBrowser}. When what a test needs is missing, it
 * disables the test and prints one line saying what to set, once per reason; under {@code CI=true} it fails
 * the test instead, so that a CI run can never pass by skipping. Registered by the annotations: do not add it
 * by hand.
 */
public final class ExternalResourceCondition implements ExecutionCondition {

    private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

    private final Map<String, String> environment;
    private final Set<String> announced;
    private final PrintStream out;

    /** The condition on the process environment, saying why it skips on standard error. */
    public ExternalResourceCondition() {
        this(System.getenv(), ANNOUNCED, System.err);
    }

    ExternalResourceCondition(Map<String, String> environment, Set<String> announced, PrintStream out) {
        this.environment = Map.copyOf(environment);
        this.announced = announced;
        this.out = out;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<AnnotatedElement> element = context.getElement();
        if (element.isEmpty()) {
            return ConditionEvaluationResult.enabled("nothing to check");
        }
        Optional<String> missing = missing(element.get());
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("every external resource the test needs is configured");
        }
        String reason = missing.get();
        if ("true".equalsIgnoreCase(environment.get("CI"))) {
            throw new MissingTestResourceError(
                    context.getDisplayName() + ": " + reason + " (CI=true: CI must run this test)");
        }
        if (announced.add(reason)) {
            out.println("[consentkit] skipped: " + reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    /** What is missing for the annotations on {@code element}, as one sentence, or empty. */
    Optional<String> missing(AnnotatedElement element) {
        List<String> reasons = new ArrayList<>();
        Set<Database> databases = new LinkedHashSet<>();
        AnnotationSupport.findAnnotation(element, RequiresDatabase.class)
                .ifPresent(r -> databases.addAll(List.of(r.value())));
        for (Database database : databases) {
            if (!database.isConfigured(environment)) {
                reasons.add(database.displayName() + " tests need " + database.urlVariable() + " (and "
                        + database.userVariable() + ", " + database.passwordVariable() + ")");
            }
        }
        if (AnnotationSupport.isAnnotated(element, RequiresRabbitMq.class)) {
            String uri = environment.get(RequiresRabbitMq.URI_VARIABLE);
            if (uri == null || uri.isBlank()) {
                reasons.add("RabbitMQ tests need " + RequiresRabbitMq.URI_VARIABLE
                        + " (an AMQP URI, e.g. amqp://guest:guest@127.0.0.1:5672/%2f)");
            }
        }
        if (AnnotationSupport.isAnnotated(element, RequiresBrowser.class) && !LocalBrowser.isInstalled(environment)) {
            reasons.add("browser tests need " + LocalBrowser.chromium(environment) + " and "
                    + LocalBrowser.chromedriver(environment)
                    + " (apt-get install chromium chromium-driver, or set CHROMIUM_BIN and CHROMEDRIVER_BIN)");
        }
        return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
    }

    /** Thrown under CI when a test's external resource is missing: fails the test instead of skipping it. */
    static final class MissingTestResourceError extends AssertionError {
        private static final long serialVersionUID = 1L;

        MissingTestResourceError(String message) {
            super(message);
        }
    }
}
