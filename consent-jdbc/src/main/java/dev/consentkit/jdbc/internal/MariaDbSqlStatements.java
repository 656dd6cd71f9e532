package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. MariaDB and MySQL: what differs from {@link SqlStatements}:
 * {@code DATETIME(6)} in UTC, IN lists instead of arrays, READ COMMITTED writes and InnoDB's deadlock codes.
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
     * on their inserts; under READ COMMITTED the second one waits for the first and then retries on the duplicate
     * key. Applies to this transaction only.
     */
    @Override
    public void beganTransaction(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        }
    }

    /** Also InnoDB's deadlock (1213) and lock wait timeout (1205). */
    @Override
    protected boolean isRetryableFailure(SQLException s) {
        return super.isRetryableFailure(s) || s.getErrorCode() == 1213 || s.getErrorCode() == 1205;
    }
}
