package dev.consentkit.webhooks.internal;

import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.jdbc.Dialect;
import dev.consentkit.jdbc.internal.ScrubbedSqlException;
import dev.consentkit.jdbc.internal.Tables;
import dev.consentkit.webhooks.DeliveryOutcome;
import dev.consentkit.webhooks.WebhookDelivery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The webhook delivery log ({@code <prefix>webhook_delivery}, schema
 * version 3): append-only rows, each written on a connection of its own and committed at once, in SQL that H2,
 * PostgreSQL, MariaDB and MySQL all run. Only timestamps differ: {@code TIMESTAMP WITH TIME ZONE} is bound as an
 * {@link OffsetDateTime} in UTC, {@code DATETIME(6)} (MariaDB, MySQL) as a {@link LocalDateTime} in UTC.
 *
 * <p>Failures are {@link ConsentStoreException}s carrying SQLState and vendor code, never the driver's message.
 */
public final class DeliveryLog {

    /** Longest {@code detail}, the column's width. */
    public static final int MAX_DETAIL = 255;

    /** How many entry ids one state query asks for at most. */
    private static final int IDS_PER_QUERY = 200;

    private static final String COLUMNS = "endpoint, entry_id, attempt, attempted_at, outcome, http_status, detail";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    private final DataSource dataSource;
    private final String table;
    private volatile @Nullable Boolean localTimestamps;

    /** The log in {@code schema} (the connection's when null) with the store's {@code tablePrefix}. */
    public DeliveryLog(DataSource dataSource, @Nullable String schema, String tablePrefix) {
        this.dataSource = dataSource;
        this.table = Tables.of(schema, tablePrefix).webhookDelivery();
    }

    /** What the log says of one entry at one endpoint: its last attempt number and whether it is settled. */
    public record State(int lastAttempt, boolean settled) {
        /** Nothing logged yet. */
        public static final State NONE = new State(0, false);
    }

    /**
     * The state of each of {@code entryIds} at {@code endpoint}; entries without rows are absent from the map. An
     * entry is settled once a {@link DeliveryOutcome#DELIVERED} or {@link DeliveryOutcome#DEAD_LETTERED} row exists.
     */
    public Map<UUID, State> states(String endpoint, Collection<UUID> entryIds) {
        Map<UUID, State> states = new HashMap<>();
        List<UUID> ids = List.copyOf(entryIds);
        for (int from = 0; from < ids.size(); from += IDS_PER_QUERY) {
            List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_QUERY));
            String sql = "SELECT entry_id, MAX(attempt), SUM(CASE WHEN outcome IN ('DELIVERED', 'DEAD_LETTERED')"
                    + " THEN 1 ELSE 0 END) FROM " + table + " WHERE endpoint = ? AND entry_id IN ("
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ") GROUP BY entry_id";
            query(
                    "webhookDeliveryState",
                    sql,
                    ps -> {
                        ps.setString(1, endpoint);
                        for (int i = 0; i < chunk.size(); i++) {
                            ps.setString(i + 2, chunk.get(i).toString());
                        }
                    },
                    rs -> {
                        while (rs.next()) {
                            states.put(
                                    UUID.fromString(rs.getString(1).trim()),
                                    new State(rs.getInt(2), rs.getLong(3) > 0));
                        }
                        return null;
                    });
        }
        return states;
    }

    /** Appends one row and commits it. */
    public void append(
            String endpoint,
            UUID entryId,
            int attempt,
            Instant attemptedAt,
            DeliveryOutcome outcome,
            @Nullable Integer httpStatus,
            @Nullable String detail) {
        String sql = "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection()) {
            boolean localTimestamps = localTimestamps(c);
            boolean autoCommit = c.getAutoCommit();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, endpoint);
                ps.setString(2, entryId.toString());
                ps.setInt(3, attempt);
                bindInstant(ps, 4, attemptedAt, localTimestamps);
                ps.setString(5, outcome.name());
                if (httpStatus == null) {
                    ps.setNull(6, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(6, httpStatus);
                }
                if (detail == null) {
                    ps.setNull(7, java.sql.Types.VARCHAR);
                } else {
                    ps.setString(7, truncate(detail));
                }
                ps.executeUpdate();
                if (!autoCommit) {
                    c.commit();
                }
            } catch (SQLException e) {
                if (!autoCommit) {
                    c.rollback();
                }
                throw e;
            }
        } catch (SQLException e) {
            throw failure("webhookDeliveryAppend", e);
        }
    }

    /** Every row of {@code entryId}, by endpoint and attempt. */
    public List<WebhookDelivery> attempts(UUID entryId) {
        return rows(
                "webhookDeliveryAttempts",
                "SELECT " + COLUMNS + " FROM " + table + " WHERE entry_id = ? ORDER BY endpoint, attempt",
                ps -> ps.setString(1, entryId.toString()));
    }

    /** Every row of {@code entryId} at {@code endpoint}, by attempt. */
    public List<WebhookDelivery> attempts(String endpoint, UUID entryId) {
        return rows(
                "webhookDeliveryAttempts",
                "SELECT " + COLUMNS + " FROM " + table + " WHERE endpoint = ? AND entry_id = ? ORDER BY attempt",
                ps -> {
                    ps.setString(1, endpoint);
                    ps.setString(2, entryId.toString());
                });
    }

    /** The rows with {@code outcome} at {@code endpoint}, oldest first. */
    public List<WebhookDelivery> withOutcome(String endpoint, DeliveryOutcome outcome) {
        return rows(
                "webhookDeliveryOutcome",
                "SELECT " + COLUMNS + " FROM " + table + " WHERE endpoint = ? AND outcome = ?"
                        + " ORDER BY attempted_at, entry_id",
                ps -> {
                    ps.setString(1, endpoint);
                    ps.setString(2, outcome.name());
                });
    }

    /** When {@code endpoint} first accepted {@code entryId}, if it did. */
    public Optional<Instant> firstDelivered(String endpoint, UUID entryId) {
        String sql = "SELECT MIN(attempted_at) FROM " + table
                + " WHERE endpoint = ? AND entry_id = ? AND outcome = 'DELIVERED'";
        return Optional.ofNullable(query(
                "webhookDeliveredAt",
                sql,
                ps -> {
                    ps.setString(1, endpoint);
                    ps.setString(2, entryId.toString());
                },
                rs -> rs.next() ? readInstant(rs, 1) : null));
    }

    private List<WebhookDelivery> rows(String operation, String sql, Binder binder) {
        List<WebhookDelivery> rows = new ArrayList<>();
        query(operation, sql, binder, rs -> {
            while (rs.next()) {
                int status = rs.getInt(6);
                Integer httpStatus = rs.wasNull() ? null : status;
                Instant at = readInstant(rs, 4);
                rows.add(new WebhookDelivery(
                        rs.getString(1),
                        UUID.fromString(rs.getString(2).trim()),
                        rs.getInt(3),
                        at == null ? Instant.EPOCH : at,
                        DeliveryOutcome.valueOf(rs.getString(5)),
                        Optional.ofNullable(httpStatus),
                        Optional.ofNullable(rs.getString(7))));
            }
            return null;
        });
        return rows;
    }

    private <T> @Nullable T query(String operation, String sql, Binder binder, Reader<T> reader) {
        try (Connection c = dataSource.getConnection()) {
            localTimestamps(c);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    private boolean localTimestamps(Connection c) throws SQLException {
        Boolean local = localTimestamps;
        if (local == null) {
            Dialect d = Dialect.detect(c);
            local = d == Dialect.MARIADB || d == Dialect.MYSQL;
            localTimestamps = local;
        }
        return local;
    }

    private static void bindInstant(PreparedStatement ps, int index, Instant instant, boolean local)
            throws SQLException {
        Instant t = instant.truncatedTo(ChronoUnit.MICROS);
        ps.setObject(
                index,
                local ? LocalDateTime.ofInstant(t, ZoneOffset.UTC) : OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    private @Nullable Instant readInstant(ResultSet rs, int column) throws SQLException {
        if (Boolean.TRUE.equals(localTimestamps)) {
            LocalDateTime t = rs.getObject(column, LocalDateTime.class);
            return t == null ? null : t.toInstant(ZoneOffset.UTC);
        }
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * Refuses a table prefix or schema that {@code JdbcConsentStore.Builder} would refuse: letters, digits and
     * underscores, at most 41, not starting with a digit; an empty prefix is allowed.
     */
    public static void checkIdentifier(@Nullable String value, String field, boolean emptyAllowed) {
        Checks.check(
                value == null
                        || (emptyAllowed && value.isEmpty())
                        || IDENTIFIER.matcher(value).matches(),
                field,
                "must be letters, digits and underscores (at most 41)");
    }

    /** {@code detail} cut to the column's width. */
    public static String truncate(String detail) {
        return detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
    }

    private static ConsentStoreException failure(String operation, SQLException e) {
        return new ConsentStoreException(
                operation,
                "SQLState " + e.getSQLState() + ", vendor code " + e.getErrorCode(),
                ScrubbedSqlException.of(e));
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    private interface Reader<T> {
        @Nullable
        T read(ResultSet rs) throws SQLException;
    }
}
