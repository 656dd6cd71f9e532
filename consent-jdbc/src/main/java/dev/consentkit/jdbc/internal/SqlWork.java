package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Internal API; may change without notice. Work on one connection.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface SqlWork<T> {

    T run(Connection c) throws SQLException;
}
