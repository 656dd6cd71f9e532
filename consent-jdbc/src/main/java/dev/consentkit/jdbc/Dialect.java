package dev.consentkit.jdbc;

import org.jspecify.annotations.Nullable;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * The databases {@link JdbcConsentStore} supports, with what differs between them: how instants are bound
 * and read, which schema script applies, and how a set of subjects is passed to one query.
 */
public enum Dialect {
    /** PostgreSQL 12 or newer: {@code TIMESTAMP WITH TIME ZONE}, array parameters. */
    POSTGRESQL("postgresql", true, true),
    /** MariaDB 10.6 or newer: {@code DATETIME(6)} in UTC. */
    MARIADB("mariadb", false, false),
    /** MySQL 8: {@code DATETIME(6)} in UTC. */
    MYSQL("mysql", false, false),
    /** H2 2.x: {@code TIMESTAMP WITH TIME ZONE}, array parameters. */
    H2("h2", true, true);

    private final String platform;
    private final boolean offsetTimestamps;
    private final boolean arrayParameters;

    Dialect(String platform, boolean offsetTimestamps, boolean arrayParameters) {
        this.platform = platform;
        this.offsetTimestamps = offsetTimestamps;
        this.arrayParameters = arrayParameters;
    }

    /** The platform name used in script names: {@code schema-<platform>.sql}. */
    public String platform() {
        return platform;
    }

    /** The classpath location of this database's schema script. */
    public String schemaResource() {
        return "dev/consentkit/jdbc/schema-" + platform + ".sql";
    }

    /**
     * Detects the dialect from the connection's metadata.
     *
     * @throws IllegalArgumentException for a database ConsentKit does not support
     */
    public static Dialect detect(Connection connection) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String product = meta.getDatabaseProductName().toLowerCase(Locale.ROOT);
        String version = meta.getDatabaseProductVersion().toLowerCase(Locale.ROOT);
        if (product.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (product.contains("mariadb") || version.contains("mariadb")) {
            return MARIADB;
        }
        if (product.contains("mysql")) {
            return MYSQL;
        }
        if (product.equals("h2")) {
            return H2;
        }
        throw new IllegalArgumentException("Unsupported database '" + meta.getDatabaseProductName()
                + "': ConsentKit supports PostgreSQL, MariaDB, MySQL and H2; set the dialect explicitly only for those");
    }

    boolean arrayParameters() {
        return arrayParameters;
    }

    void bindInstant(PreparedStatement ps, int index, @Nullable Instant instant) throws SQLException {
        if (instant == null) {
            ps.setObject(index, null);
        } else if (offsetTimestamps) {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else {
            ps.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    @Nullable Instant readInstant(ResultSet rs, int column) throws SQLException {
        if (offsetTimestamps) {
            OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
            return t == null ? null : t.toInstant();
        }
        LocalDateTime t = rs.getObject(column, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    /** SQLStates worth retrying: serialization failure, deadlock, and a lost race on a unique key. */
    boolean isRetryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.equals("40001") || state.equals("40P01") || state.startsWith("23"))) {
                    return true;
                }
                if (this == MARIADB || this == MYSQL) {
                    int code = s.getErrorCode();
                    if (code == 1213 || code == 1205) { // deadlock, lock wait timeout
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
