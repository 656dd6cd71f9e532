package dev.consentkit.jdbc.internal;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. A driver failure without its message: drivers quote bound values of
 * the failing statement (PostgreSQL's {@code BatchUpdateException} the whole row: subject, comment, user agent,
 * IP address) and the server's detail lines. Keeps what a handler needs: the driver's class name, SQLState,
 * vendor code and stack trace, and likewise for its causes and chained failures.
 */
public final class ScrubbedSqlException extends SQLException {

    private static final long serialVersionUID = 1L;
    private static final int MAX_DEPTH = 8;

    private ScrubbedSqlException(String message, @Nullable String sqlState, int vendorCode) {
        super(message, sqlState, vendorCode);
    }

    /** A scrubbed copy of {@code e}, its causes and the failures chained to it. */
    public static ScrubbedSqlException of(SQLException e) {
        return scrub(e, Collections.newSetFromMap(new IdentityHashMap<>()), 0);
    }

    private static ScrubbedSqlException scrub(Throwable t, Set<Throwable> seen, int depth) {
        seen.add(t);
        ScrubbedSqlException copy = t instanceof SQLException s
                ? new ScrubbedSqlException(
                        s.getClass().getName() + ", SQLState " + s.getSQLState() + ", vendor code " + s.getErrorCode()
                                + " (driver message removed)",
                        s.getSQLState(),
                        s.getErrorCode())
                : new ScrubbedSqlException(t.getClass().getName() + " (message removed)", null, 0);
        copy.setStackTrace(t.getStackTrace());
        if (depth < MAX_DEPTH) {
            Throwable cause = t.getCause();
            if (cause != null && !seen.contains(cause)) {
                copy.initCause(scrub(cause, seen, depth + 1));
            }
            if (t instanceof SQLException s) {
                SQLException next = s.getNextException();
                if (next != null && !seen.contains(next)) {
                    copy.setNextException(scrub(next, seen, depth + 1));
                }
            }
        }
        return copy;
    }
}
