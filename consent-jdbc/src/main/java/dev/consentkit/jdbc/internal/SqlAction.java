package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Internal API; may change without notice. Work on one connection that returns nothing. */
@FunctionalInterface
public interface SqlAction {

    void run(Connection c) throws SQLException;
}
