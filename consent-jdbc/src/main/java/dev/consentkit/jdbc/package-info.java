/**
 * The JDBC store for PostgreSQL, MariaDB/MySQL and H2. This module is a placeholder until the consent-jdbc
 * work lands; it holds no classes yet.
 */
@NullMarked
package dev.consentkit.jdbc;

import org.jspecify.annotations.NullMarked;
