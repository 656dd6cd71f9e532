package dev.consentkit.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The annotated test class or method drives a real headless Chromium through the system's chromedriver (see
 * {@link LocalBrowser}): without either executable it is skipped with one line on standard error, and under
 * {@code CI=true} it fails instead. Name such tests {@code *IT}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ExternalResourceCondition.class)
public @interface RequiresBrowser {}
