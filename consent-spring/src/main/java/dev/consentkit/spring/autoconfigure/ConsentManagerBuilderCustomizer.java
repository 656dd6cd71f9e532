package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManagerBuilder;

/**
 * Adjusts the {@link ConsentManagerBuilder} after the auto-configuration applied the {@code consentkit.*}
 * properties and before it builds the manager: add purposes declared in code, a listener, another clock.
 * Declare one or more as beans; they run in {@link org.springframework.core.annotation.Order} order.
 */
@FunctionalInterface
public interface ConsentManagerBuilderCustomizer {

    /** Customises the builder. */
    void customize(ConsentManagerBuilder builder);
}
