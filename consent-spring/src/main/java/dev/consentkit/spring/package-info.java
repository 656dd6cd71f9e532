/**
 * Spring Boot integration. This module is a placeholder until the consent-spring work lands; it holds no
 * classes yet.
 */
@NullMarked
package dev.consentkit.spring;

import org.jspecify.annotations.NullMarked;
