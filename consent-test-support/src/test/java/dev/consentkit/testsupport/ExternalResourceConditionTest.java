package dev.consentkit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;

class ExternalResourceConditionTest {

    private static final Map<String, String> NOTHING = Map.of("CHROMIUM_BIN", "/nonexistent/chromium");
    private static final Map<String, String> POSTGRES = Map.of(
            "CONSENTKIT_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test",
            "CHROMIUM_BIN",
            "/nonexistent/chromium");

    @RequiresDatabase(Database.POSTGRESQL)
    static final class NeedsPostgres {}

    @RequiresDatabase({Database.POSTGRESQL, Database.MARIADB})
    static final class NeedsBoth {}

    @RequiresBrowser
    static final class NeedsBrowser {}

    @RequiresRabbitMq
    static final class NeedsRabbitMq {}

    static final class NeedsNothing {}

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private ExternalResourceCondition condition(Map<String, String> environment) {
        return new ExternalResourceCondition(
                environment, new HashSet<>(), new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    /** The smallest ExtensionContext the condition reads: its element and display name. */
    private static ExtensionContext contextOf(Class<?> testClass) {
        return (ExtensionContext) Proxy.newProxyInstance(
                ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getElement" -> Optional.<AnnotatedElement>of(testClass);
                    case "getDisplayName" -> testClass.getSimpleName();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Nested
    class Locally {

        @Test
        void evaluateWhenTheUrlIsSetThenEnabled() {
            ConditionEvaluationResult result =
                    condition(POSTGRES).evaluateExecutionCondition(contextOf(NeedsPostgres.class));

            assertThat(result.isDisabled()).isFalse();
        }

        @Test
        void evaluateWhenTheUrlIsMissingThenDisabledNamingTheVariable() {
            ConditionEvaluationResult result =
                    condition(NOTHING).evaluateExecutionCondition(contextOf(NeedsPostgres.class));

            assertThat(result.isDisabled()).isTrue();
            assertThat(result.getReason())
                    .hasValueSatisfying(r -> assertThat(r)
                            .contains("CONSENTKIT_TEST_POSTGRES_URL")
                            .doesNotContain("MARIADB"));
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .hasLineCount(1)
                    .startsWith("[consentkit] skipped: PostgreSQL tests need CONSENTKIT_TEST_POSTGRES_URL");
        }

        @Test
        void evaluateWhenTheSameReasonComesAgainThenSaysItOnce() {
            ExternalResourceCondition condition = condition(NOTHING);

            condition.evaluateExecutionCondition(contextOf(NeedsPostgres.class));
            condition.evaluateExecutionCondition(contextOf(NeedsPostgres.class));

            assertThat(printed.toString(StandardCharsets.UTF_8)).hasLineCount(1);
        }

        @Test
        void evaluateWhenOneOfTwoDatabasesIsMissingThenDisabledNamingOnlyThatOne() {
            ConditionEvaluationResult result =
                    condition(POSTGRES).evaluateExecutionCondition(contextOf(NeedsBoth.class));

            assertThat(result.isDisabled()).isTrue();
            assertThat(result.getReason())
                    .hasValueSatisfying(r -> assertThat(r)
                            .contains("CONSENTKIT_TEST_MARIADB_URL")
                            .doesNotContain("POSTGRES_URL"));
        }

        @Test
        void evaluateWhenBlankUrlThenDisabled() {
            ConditionEvaluationResult result = condition(Map.of("CONSENTKIT_TEST_POSTGRES_URL", " "))
                    .evaluateExecutionCondition(contextOf(NeedsPostgres.class));

            assertThat(result.isDisabled()).isTrue();
        }

        @Test
        void evaluateWhenChromiumIsMissingThenDisabledNamingThePath() {
            ConditionEvaluationResult result =
                    condition(NOTHING).evaluateExecutionCondition(contextOf(NeedsBrowser.class));

            assertThat(result.isDisabled()).isTrue();
            assertThat(result.getReason()).hasValueSatisfying(r -> assertThat(r).contains("/nonexistent/chromium"));
        }

        @Test
        void evaluateWhenTheRabbitMqUriIsMissingThenDisabledNamingTheVariable() {
            ConditionEvaluationResult result =
                    condition(POSTGRES).evaluateExecutionCondition(contextOf(NeedsRabbitMq.class));

            assertThat(result.isDisabled()).isTrue();
            assertThat(result.getReason())
                    .hasValueSatisfying(r -> assertThat(r)
                            .contains("CONSENTKIT_TEST_RABBITMQ_URI")
                            .doesNotContain("POSTGRES"));
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .hasLineCount(1)
                    .startsWith("[consentkit] skipped: RabbitMQ tests need CONSENTKIT_TEST_RABBITMQ_URI");
        }

        @Test
        void evaluateWhenTheRabbitMqUriIsSetThenEnabled() {
            ConditionEvaluationResult result = condition(
                            Map.of("CONSENTKIT_TEST_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672/%2f"))
                    .evaluateExecutionCondition(contextOf(NeedsRabbitMq.class));

            assertThat(result.isDisabled()).isFalse();
        }

        @Test
        void evaluateWhenTheRabbitMqUriIsBlankThenDisabled() {
            ConditionEvaluationResult result = condition(Map.of("CONSENTKIT_TEST_RABBITMQ_URI", " "))
                    .evaluateExecutionCondition(contextOf(NeedsRabbitMq.class));

            assertThat(result.isDisabled()).isTrue();
        }

        @Test
        void evaluateWhenNothingIsRequiredThenEnabled() {
            assertThat(condition(NOTHING)
                            .evaluateExecutionCondition(contextOf(NeedsNothing.class))
                            .isDisabled())
                    .isFalse();
        }
    }

    @Nested
    class UnderCi {

        @Test
        void evaluateWhenTheUrlIsMissingThenFailsInsteadOfSkipping() {
            ExternalResourceCondition condition = condition(Map.of("CI", "true"));

            assertThatThrownBy(() -> condition.evaluateExecutionCondition(contextOf(NeedsPostgres.class)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("CONSENTKIT_TEST_POSTGRES_URL")
                    .hasMessageContaining("CI=true");
        }

        @Test
        void evaluateWhenChromiumIsMissingThenFails() {
            ExternalResourceCondition condition =
                    condition(Map.of("CI", "true", "CHROMIUM_BIN", "/nonexistent/chromium"));

            assertThatThrownBy(() -> condition.evaluateExecutionCondition(contextOf(NeedsBrowser.class)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("/nonexistent/chromium");
        }

        @Test
        void evaluateWhenTheRabbitMqUriIsMissingThenFails() {
            ExternalResourceCondition condition = condition(Map.of("CI", "true"));

            assertThatThrownBy(() -> condition.evaluateExecutionCondition(contextOf(NeedsRabbitMq.class)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("CONSENTKIT_TEST_RABBITMQ_URI")
                    .hasMessageContaining("CI=true");
        }

        @Test
        void evaluateWhenEverythingIsThereThenEnabled() {
            Map<String, String> env = new HashMap<>(POSTGRES);
            env.put("CI", "true");

            assertThat(condition(env)
                            .evaluateExecutionCondition(contextOf(NeedsPostgres.class))
                            .isDisabled())
                    .isFalse();
        }
    }
}
