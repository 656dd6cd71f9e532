package dev.consentkit.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The annotated test class or method needs the real database servers named: without their URL variable it is
 * skipped with one line on standard error saying which variable to set, and under {@code CI=true} it fails
 * instead, because CI must run it. Name such tests {@code *IT}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ExternalResourceCondition.class)
public @interface RequiresDatabase {

    /** The databases the test needs, all of them. */
    Database[] value();
}
