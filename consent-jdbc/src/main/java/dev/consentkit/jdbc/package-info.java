/**
 * The JDBC store for PostgreSQL, MariaDB/MySQL and H2: {@link dev.consentkit.jdbc.JdbcConsentStore}, the
 * {@link dev.consentkit.jdbc.OutboxRelay} and the {@link dev.consentkit.jdbc.Dialect}s they support.
 */
@NullMarked
package dev.consentkit.jdbc;

import org.jspecify.annotations.NullMarked;
