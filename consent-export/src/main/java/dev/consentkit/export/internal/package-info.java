/**
 * Internal API; may change without notice. Field mapping shared by the export formats.
 */
@NullMarked
package dev.consentkit.export.internal;

import org.jspecify.annotations.NullMarked;
