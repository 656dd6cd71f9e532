/** The servlet integration: the Global Privacy Control filter, problem responses and the REST endpoints. */
@NullMarked
package dev.consentkit.spring.web;

import org.jspecify.annotations.NullMarked;
