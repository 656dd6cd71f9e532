package dev.consentkit.jdbc.internal;

import dev.consentkit.jdbc.Dialect;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Runs the shipped scripts ({@code schema-<platform>.sql},
 * {@code log-protection-postgresql.sql}) with the store's schema and prefix in place of the scripts'
 * {@code consent_} names.
 */
public final class SchemaScripts {

    private static final Logger log = LoggerFactory.getLogger(SchemaScripts.class);

    private final Dialect dialect;
    private final SqlStatements sql;
    private final Transactions transactions;
    private final SchemaVersion version;

    public SchemaScripts(Dialect dialect, SqlStatements sql, Transactions transactions, SchemaVersion version) {
        this.version = version;
        this.dialect = dialect;
        this.sql = sql;
        this.transactions = transactions;
    }

    /**
     * Runs the schema script unless the log table already exists; fails with a {@link
     * dev.consentkit.core.ConsentStoreException} naming the migration script if the tables are at schema version 1.
     */
    public void createSchemaIfMissing() {
        transactions.inTransaction("createSchema", c -> {
            if (tableExists(c)) {
                version.require(c); // tables at version 1 are reported with the migration script to run
                return;
            }
            try (Statement st = c.createStatement()) {
                for (String statement : schemaStatements()) {
                    st.execute(statement);
                }
            }
            log.info(
                    "ConsentKit schema created ({}, prefix {})",
                    dialect.platform(),
                    sql.tables().log());
        });
    }

    private boolean tableExists(Connection c) {
        try (Statement st = c.createStatement()) {
            st.setMaxRows(1);
            st.executeQuery(sql.probeLog()).close();
            return true;
        } catch (SQLException e) {
            try {
                if (!c.getAutoCommit()) {
                    // PostgreSQL aborts the transaction on any error: start clean
                    c.rollback();
                }
            } catch (SQLException ignored) {
                // the caller's statement will report the problem
            }
            return false;
        }
    }

    /**
     * Installs the trigger that makes the log append-only.
     *
     * @throws UnsupportedOperationException where the database has no such script: grants protect the log there
     */
    public void installLogProtection() {
        if (!sql.hasLogProtection()) {
            throw new UnsupportedOperationException("The log-protection trigger is for PostgreSQL; on "
                    + dialect.platform() + " use grants (see grants-mariadb.sql)");
        }
        String script = sql.logProtectionScript(resource("dev/consentkit/jdbc/log-protection-postgresql.sql"));
        transactions.inTransaction("installLogProtection", c -> {
            try (Statement st = c.createStatement()) {
                st.execute(script);
            }
        });
    }

    /** The schema script's statements with the configured prefix and schema applied. */
    List<String> schemaStatements() {
        String script = resource(dialect.schemaResource());
        String qualified = sql.tables().qualifiedPrefix();
        String bare = sql.tables().prefix();
        List<String> statements = new ArrayList<>();
        String withoutComments =
                script.lines().filter(l -> !l.trim().startsWith("--")).collect(Collectors.joining("\n"));
        for (String part : withoutComments.split(";")) {
            String statement = part.trim();
            if (statement.isEmpty()) {
                continue;
            }
            // tables are qualified by schema; constraint and index names only carry the prefix
            statement = statement
                    .replaceAll("(?i)(TABLE|INDEX [a-z_]+ ON|JOIN|INTO) consent_", "$1 " + qualified)
                    .replace("CONSTRAINT consent_", "CONSTRAINT " + bare)
                    .replace("INDEX consent_", "INDEX " + bare);
            statements.add(statement);
        }
        return statements;
    }

    private static String resource(String name) {
        try (InputStream in = SchemaScripts.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Script missing from the jar: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + name, e);
        }
    }
}
