/** Internal API of the Spring integration; may change without notice. */
@NullMarked
package dev.consentkit.spring.internal;

import org.jspecify.annotations.NullMarked;
