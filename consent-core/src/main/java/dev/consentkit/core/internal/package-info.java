/**
 * Internal API; may change without notice. The parts behind
 * {@link dev.consentkit.core.ConsentManager} (validation, deciding rules, reads, writes, listener dispatch,
 * pseudonyms), the append protocol, and plumbing shared by the ConsentKit modules.
 */
@NullMarked
package dev.consentkit.core.internal;

import org.jspecify.annotations.NullMarked;
