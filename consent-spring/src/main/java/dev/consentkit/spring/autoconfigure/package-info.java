/** Spring Boot auto-configuration for ConsentKit and its {@code consentkit.*} properties. */
@NullMarked
package dev.consentkit.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
