package dev.consentkit.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The annotated test class or method needs the real RabbitMQ broker named by {@value #URI_VARIABLE} (an AMQP URI
 * such as {@code amqp://guest:guest@127.0.0.1:5672/%2f}): without it the test is skipped with one line on standard
 * error, and under {@code CI=true} it fails instead. Name such tests {@code *IT}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ExternalResourceCondition.class)
public @interface RequiresRabbitMq {

    /** The environment variable holding the broker's AMQP URI. */
    String URI_VARIABLE = "CONSENTKIT_TEST_RABBITMQ_URI";
}
