package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Internal API; may change without notice. H2: what differs from {@link SqlStatements}. */
final class H2SqlStatements extends SqlStatements {

    H2SqlStatements(Tables tables) {
        super(tables);
    }

    /**
     * H2 sets the lock timeout for the session, not the transaction: the connection runs nothing but the store's
     * transactions while the store holds it, and H2's reads never wait on row locks.
     */
    @Override
    public void beganTransaction(Connection c, Duration lockTimeout) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCK_TIMEOUT " + lockTimeout.toMillis());
        }
    }

    /** And H2's {@code CONNECTION_BROKEN_1} (90067), the client's report of a lost server connection. */
    @Override
    protected boolean isConnectionFailureOne(SQLException s) {
        return super.isConnectionFailureOne(s) || s.getErrorCode() == 90067;
    }

    /** H2 has no SKIP LOCKED: a second relay waits for the partitions the first holds. */
    @Override
    protected String partitionLock() {
        return " FOR UPDATE";
    }
}
