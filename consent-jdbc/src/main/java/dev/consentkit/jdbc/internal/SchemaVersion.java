package dev.consentkit.jdbc.internal;

import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.jdbc.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Whether the store's tables are at the schema version this store writes
 * (version 3): tables still at version 1 or 2 are reported with a {@link ConsentStoreException} naming the migration
 * scripts to run, before any statement of the store can fail on a missing column mid-write. Checked on the connection of
 * the store's first operation (in a transaction under a savepoint, so that a failed probe leaves it usable), then
 * remembered; missing tables are left to the operation to report, and checked again next time.
 */
public final class SchemaVersion {

    private final Dialect dialect;
    private final SqlStatements sql;
    private volatile boolean current;

    public SchemaVersion(Dialect dialect, SqlStatements sql) {
        this.dialect = dialect;
        this.sql = sql;
    }

    /** Fails if the tables are at schema version 1 or 2; cheap once they are known to be current. */
    public void require(Connection c) throws SQLException {
        if (current) {
            return;
        }
        if (probe(c, sql.probeVersion3())) {
            current = true;
        } else if (probe(c, sql.probeVersion2())) {
            throw outdated(2, "migrate-2-to-3-" + dialect.platform() + ".sql");
        } else if (probe(c, sql.probeLog())) {
            throw outdated(
                    1,
                    "migrate-1-to-2-" + dialect.platform() + ".sql, then migrate-2-to-3-" + dialect.platform()
                            + ".sql");
        }
    }

    private ConsentStoreException outdated(int version, String scripts) {
        return new ConsentStoreException(
                "schemaVersion",
                "the tables " + sql.tables().qualifiedPrefix() + "* are at schema version " + version
                        + " and this store needs version 3: run " + scripts
                        + " (shipped with consent-jdbc; see docs/jdbc.md) first",
                new SQLException("schema version " + version));
    }

    /** Whether {@code query} runs; in a transaction under a savepoint, so that a failure leaves it usable. */
    private static boolean probe(Connection c, String query) throws SQLException {
        @Nullable Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try (Statement st = c.createStatement()) {
            st.executeQuery(query).close();
            if (savepoint != null) {
                c.releaseSavepoint(savepoint);
            }
            return true;
        } catch (SQLException e) {
            if (savepoint != null) {
                c.rollback(savepoint);
            }
            return false;
        }
    }
}
