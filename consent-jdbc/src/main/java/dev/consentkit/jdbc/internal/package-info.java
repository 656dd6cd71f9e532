/**
 * Internal API; may change without notice. The pieces under {@link dev.consentkit.jdbc.JdbcConsentStore}: SQL per
 * database, transactions and retry, row mapping, the streaming cursor, the schema scripts and the outbox.
 */
@NullMarked
package dev.consentkit.jdbc.internal;

import org.jspecify.annotations.NullMarked;
