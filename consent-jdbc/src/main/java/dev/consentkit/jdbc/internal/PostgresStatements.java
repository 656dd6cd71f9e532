package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGStatement;
import org.postgresql.core.BaseConnection;

/**
 * PostgreSQL-only statement settings; loaded only when the dialect is PostgreSQL, so the driver is an optional
 * dependency.
 */
final class PostgresStatements {

    private PostgresStatements() {}

    /**
     * Keeps the driver from turning {@code ps} into a server-side prepared statement, so that PostgreSQL plans it
     * for its actual array argument every time. A generic plan cached while the tables were still empty would
     * otherwise keep scanning a whole tenant to find a batch's subjects until statistics are gathered.
     */
    static void planForEachExecution(PreparedStatement ps) throws SQLException {
        if (ps.isWrapperFor(PGStatement.class)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
    }

    /**
     * Makes the driver prepare {@code ps} on the server from its first execution, which is what lets PostgreSQL
     * send timestamps and numbers in binary: formatting three timestamps per row as text on the server and
     * parsing them back in the driver otherwise takes about half the time of a streamed export.
     */
    static void transferBinary(PreparedStatement ps) throws SQLException {
        if (ps.isWrapperFor(PGStatement.class)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(-1);
        }
    }

    /**
     * Whether the driver puts bound values and the server's detail lines into its failures' messages (its
     * {@code logServerErrorDetail} property, on unless the URL turns it off): a failed batch's
     * {@code BatchUpdateException} then quotes the whole row, subject id, comment, user agent and IP address, and a
     * pool that logs broken connections (HikariCP at WARN) writes it to the log.
     */
    static boolean quotesBoundValues(Connection c) throws SQLException {
        return c.isWrapperFor(BaseConnection.class)
                && c.unwrap(BaseConnection.class).getLogServerErrorDetail();
    }
}
