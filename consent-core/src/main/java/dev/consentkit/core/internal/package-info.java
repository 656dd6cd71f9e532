/**
 * Internal API; may change without notice. Validation plumbing shared by the ConsentKit modules.
 */
@NullMarked
package dev.consentkit.core.internal;

import org.jspecify.annotations.NullMarked;
