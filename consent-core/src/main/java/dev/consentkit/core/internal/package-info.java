/**
 * Internal API; may change without notice. Validation and formatting plumbing shared by the ConsentKit modules.
 */
@NullMarked
package dev.consentkit.core.internal;

import org.jspecify.annotations.NullMarked;
