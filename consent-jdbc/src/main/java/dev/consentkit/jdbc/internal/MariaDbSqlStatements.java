package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. MariaDB and MySQL: what differs from {@link SqlStatements}:
 * {@code DATETIME(6)} in UTC, IN lists instead of arrays, READ COMMITTED writes, the session's lock wait timeout and InnoDB's error codes.
 */
final class MariaDbSqlStatements extends SqlStatements {

    private static final Instant EARLIEST = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    MariaDbSqlStatements(Tables tables) {
        super(tables);
    }

    @Override
    public void bindInstant(PreparedStatement ps, int index, @Nullable Instant instant) throws SQLException {
        ps.setObject(index, instant == null ? null : LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    /** {@code DATETIME(6)} starts at the year 1000. */
    @Override
    public Instant earliestStorable() {
        return EARLIEST;
    }

    /** {@code DATETIME(6)} ends with the year 9999; a later instant is silently not found, never an error. */
    @Override
    public Instant latestStorable() {
        return LATEST;
    }

    @Override
    public @Nullable Instant readInstant(ResultSet rs, int column) throws SQLException {
        LocalDateTime t = rs.getObject(column, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    @Override
    protected boolean arrayParameters() {
        return false;
    }

    /**
     * InnoDB's default REPEATABLE READ gap-locks the missing rows of new subjects, so two first writers deadlock
     * on their inserts; under READ COMMITTED the second one waits for the first. Applies to this transaction only.
     * The lock wait timeout is the session's, in whole seconds (rounded up): the session's own value is kept in a
     * user variable and put back by {@link #endedTransaction}.
     */
    @Override
    public void beganTransaction(Connection c, Duration lockTimeout) throws SQLException {
        long seconds = Math.max(1, (lockTimeout.toMillis() + 999) / 1000);
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
            st.execute("SET @consentkit_lock_wait = @@SESSION.innodb_lock_wait_timeout,"
                    + " SESSION innodb_lock_wait_timeout = " + seconds);
        }
    }

    @Override
    public void endedTransaction(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION innodb_lock_wait_timeout = @consentkit_lock_wait");
        }
    }

    /**
     * {@code ON DUPLICATE KEY UPDATE} rather than {@code INSERT IGNORE}, which would also turn a too-long subject
     * into a warning and store it cut.
     */
    @Override
    String insertSubjectIfAbsent() {
        return "INSERT INTO " + tables.subject() + " (tenant, subject, head_seq, head_hash, erased)"
                + " VALUES (?, ?, 0, '" + NO_HEAD_HASH + "', FALSE) ON DUPLICATE KEY UPDATE subject = subject";
    }

    /**
     * The multi-row form: the driver runs a batch of {@code INSERT ... ON DUPLICATE KEY UPDATE} row by row (about
     * four times as long for 1,000 rows as one statement with 1,000 rows).
     */
    @Override
    String insertSubjectsIfAbsent(int rows) {
        return "INSERT INTO " + tables.subject() + " (tenant, subject, head_seq, head_hash, erased) VALUES "
                + rows("(?, ?, 0, '" + NO_HEAD_HASH + "', FALSE)", rows) + " ON DUPLICATE KEY UPDATE subject = subject";
    }

    /**
     * A multi-row insert whose every row meets its existing (locked) row and updates it instead: one statement
     * for the batch, where a batch of updates runs row by row.
     */
    @Override
    String updateSubjects(int rows) {
        return "INSERT INTO " + tables.subject()
                + " (tenant, subject, head_seq, head_hash, erased, head_recorded_at) VALUES "
                + rows("(?, ?, ?, ?, ?, ?)", rows)
                + " ON DUPLICATE KEY UPDATE head_seq = VALUES(head_seq), head_hash = VALUES(head_hash),"
                + " erased = VALUES(erased), head_recorded_at = VALUES(head_recorded_at)";
    }

    /** Also InnoDB's deadlock (1213). */
    @Override
    protected boolean isRetryableFailure(SQLException s) {
        return super.isRetryableFailure(s) || s.getErrorCode() == 1213;
    }

    /** InnoDB's lock wait timeout (1205), whatever SQLState the driver gives it. */
    @Override
    protected boolean isLockTimeoutFailure(SQLException s) {
        return s.getErrorCode() == 1205;
    }
}
