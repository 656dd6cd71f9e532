/**
 * ConsentKit for Spring Boot: {@link dev.consentkit.spring.RequiresConsent} guards methods,
 * {@link dev.consentkit.spring.ConsentChangedEvent} reports committed changes. The auto-configuration lives in
 * {@code dev.consentkit.spring.autoconfigure}, the servlet parts in {@code dev.consentkit.spring.web}.
 */
@NullMarked
package dev.consentkit.spring;

import org.jspecify.annotations.NullMarked;
