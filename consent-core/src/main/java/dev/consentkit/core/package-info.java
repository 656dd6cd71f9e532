/**
 * ConsentKit's public API: declare {@link dev.consentkit.core.Purpose purposes}, record what each
 * subject chose with a {@link dev.consentkit.core.ConsentManager}, and ask it before processing.
 */
@NullMarked
package dev.consentkit.core;

import org.jspecify.annotations.NullMarked;
