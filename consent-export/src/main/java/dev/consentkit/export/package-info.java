/**
 * Streamed audit exports of a {@link dev.consentkit.core.ConsentManager}'s log for auditors: JSON Lines and
 * CSV, in constant memory however many entries match.
 */
@NullMarked
package dev.consentkit.export;

import org.jspecify.annotations.NullMarked;
