package dev.consentkit.jdbc;

import dev.consentkit.core.InvalidConsentRequestException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases {@link JdbcConsentStore} supports, and which schema script applies to each. What differs in their
 * SQL lives with the store's internals.
 */
public enum Dialect {
    /** PostgreSQL 12 or newer: {@code TIMESTAMP WITH TIME ZONE}, array parameters. */
    POSTGRESQL("postgresql"),
    /** MariaDB 10.6 or newer: {@code DATETIME(6)} in UTC. */
    MARIADB("mariadb"),
    /** MySQL 8: {@code DATETIME(6)} in UTC. */
    MYSQL("mysql"),
    /** H2 2.x: {@code TIMESTAMP WITH TIME ZONE}, array parameters. */
    H2("h2");

    private final String platform;

    Dialect(String platform) {
        this.platform = platform;
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
     * @throws InvalidConsentRequestException naming {@code dataSource} for a database ConsentKit does not support
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
        throw InvalidConsentRequestException.of(
                "dataSource",
                "is an unsupported database '" + meta.getDatabaseProductName()
                        + "': ConsentKit supports PostgreSQL, MariaDB, MySQL and H2; set the dialect explicitly only for those");
    }
}
