package dev.consentkit.jdbc.internal;

import dev.consentkit.core.ConsentStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Connections from the DataSource, transactions and retries. A connection
 * that arrives with auto-commit off belongs to a transaction the caller runs: work on it joins that transaction,
 * and is neither committed, rolled back nor retried here, and keeps the caller's lock timeout. Failures never carry the driver's message, which may
 * quote subject ids from the failing row.
 */
public final class Transactions {

    private static final Logger log = LoggerFactory.getLogger(Transactions.class);

    private final DataSource dataSource;
    private final SqlStatements sql;
    private final int maxAttempts;
    private final Duration lockTimeout;

    public Transactions(DataSource dataSource, SqlStatements sql, int maxAttempts, Duration lockTimeout) {
        this.dataSource = dataSource;
        this.sql = sql;
        this.maxAttempts = maxAttempts;
        this.lockTimeout = lockTimeout;
    }

    /** A connection for a read; the caller closes it. */
    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** Runs {@code work} on a connection of its own, without a transaction of its own. */
    public <T> T withConnection(String operation, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /**
     * Whether this thread's last transaction here joined the caller's, remembered until it is asked (once), so that
     * the manager can tell after a write without another connection: after a commit whose connection then broke,
     * asking the DataSource would fail, and the committed write's listeners would go unheard.
     */
    private final ThreadLocal<Boolean> lastJoined = new ThreadLocal<>();

    /**
     * True when this thread's write that just returned joined the caller's transaction; asked with no such write
     * on record, true when the DataSource hands this thread a connection with auto-commit off.
     */
    public boolean joinsCallerTransaction() {
        Boolean joined = lastJoined.get();
        if (joined != null) {
            lastJoined.remove();
            return joined;
        }
        return withConnection("joinsCallerTransaction", c -> !c.getAutoCommit());
    }

    /**
     * Runs {@code work} in its own transaction, retried up to the configured attempts after a serialization
     * failure, a deadlock or a lost race on a unique key; or joins the caller's if the connection has one. In its
     * own transaction a statement waits at most the lock timeout for another transaction's lock; a lock timeout is
     * reported with {@link ConsentStoreException.Reason#LOCK_TIMEOUT} and never retried, so that the wait is not
     * multiplied. A {@link RuntimeException} or {@link Error} of the work rolls back and is rethrown unchanged.
     */
    public void inTransaction(String operation, SqlAction action) {
        inTransaction(operation, c -> {
            action.run(c);
            return Boolean.TRUE;
        });
    }

    /**
     * As {@link #inTransaction(String, SqlAction)}, returning what {@code work} returns. A statement that fails
     * because the connection was lost, before the commit was sent, left nothing committed: the work is tried again
     * on a fresh connection, within the attempts. A commit that fails so may have committed: that is reported
     * with {@link ConsentStoreException.Outcome#UNKNOWN} and not retried here, for the caller to look the write up
     * (ConsentKit's chain protocol does, see {@code ChainWriter}). Every other failure reports
     * {@link ConsentStoreException.Outcome#NOT_WRITTEN}.
     */
    public <T> T inTransaction(String operation, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            Connection c;
            try {
                c = dataSource.getConnection();
            } catch (SQLException e) {
                throw failure(operation, e);
            }
            boolean owned = false;
            boolean committing = false;
            try {
                owned = c.getAutoCommit();
                if (owned) {
                    c.setAutoCommit(false);
                    sql.beganTransaction(c, lockTimeout);
                }
                lastJoined.remove();
                T result = work.run(c);
                if (owned) {
                    committing = true;
                    c.commit();
                }
                lastJoined.set(!owned);
                return result;
            } catch (SQLException e) {
                if (committing && sql.isConnectionFailure(e)) {
                    // the commit may have reached the server before the connection went: only a lookup can tell
                    throw failure(
                            operation,
                            ConsentStoreException.Reason.OTHER,
                            ConsentStoreException.Outcome.UNKNOWN,
                            "connection lost while committing, ",
                            e);
                }
                rollbackQuietly(c, owned);
                if (sql.isLockTimeout(e)) {
                    throw failure(
                            operation,
                            ConsentStoreException.Reason.LOCK_TIMEOUT,
                            ConsentStoreException.Outcome.NOT_WRITTEN,
                            "lock timeout, ",
                            e);
                }
                boolean lostConnection = sql.isConnectionFailure(e);
                if (owned && attempt < maxAttempts && (lostConnection || sql.isRetryable(e))) {
                    log.debug(
                            "Retrying {} after SQLState {}{} (attempt {})",
                            operation,
                            e.getSQLState(),
                            lostConnection ? " (connection lost before the commit)" : "",
                            attempt);
                    backOff(attempt);
                    continue;
                }
                throw failure(operation, e);
            } catch (RuntimeException | Error e) {
                rollbackQuietly(c, owned);
                throw e;
            } finally {
                release(c, owned, sql);
            }
        }
    }

    private static void release(Connection c, boolean owned, SqlStatements sql) {
        if (owned) {
            try {
                sql.endedTransaction(c);
            } catch (SQLException ignored) {
                // a connection that cannot take the statement is broken, and the pool discards it
            }
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is being closed anyway
            }
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing more to do
        }
    }

    /** A short random pause before a retry, growing with the attempt, so that colliding writers fall apart. */
    private static void backOff(int attempt) {
        long bound = Math.min(200, 5L << Math.min(attempt, 5));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, bound + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rollbackQuietly(Connection c, boolean owned) {
        if (!owned) {
            return;
        }
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection may be dead; the database rolls back on its own
        }
    }

    /**
     * A failure that wrote nothing. Never includes the driver's message, which may quote bound values (subject
     * ids, comments, user agents, IP addresses) of the failing row: the message names the SQLState and vendor
     * code, and the cause is a {@link ScrubbedSqlException} that keeps only those and the driver's class names.
     */
    public static ConsentStoreException failure(String operation, SQLException e) {
        return failure(operation, ConsentStoreException.Reason.OTHER, ConsentStoreException.Outcome.NOT_WRITTEN, "", e);
    }

    private static ConsentStoreException failure(
            String operation,
            ConsentStoreException.Reason reason,
            ConsentStoreException.Outcome outcome,
            String what,
            SQLException e) {
        return new ConsentStoreException(
                operation,
                reason,
                outcome,
                what + "SQLState " + e.getSQLState() + ", vendor code " + e.getErrorCode(),
                ScrubbedSqlException.of(e));
    }
}
