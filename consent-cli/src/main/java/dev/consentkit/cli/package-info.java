/** The {@code consentkit} auditor command-line tool: verify chains and export straight from the database. */
@NullMarked
package dev.consentkit.cli;

import org.jspecify.annotations.NullMarked;
