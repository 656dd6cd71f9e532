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
 * (version 2): tables still at version 1 are reported with a {@link ConsentStoreException} naming the migration
 * script, before any statement of the store can fail on a missing column mid-write. Checked on the connection of
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

    /** Fails if the tables are at schema version 1; cheap once they are known to be current. */
    public void require(Connection c) throws SQLException {
        if (current) {
            return;
        }
        if (probe(c, sql.probeVersion2())) {
            current = true;
        } else if (probe(c, sql.probeLog())) {
            throw new ConsentStoreException(
                    "schemaVersion",
                    "the tables " + sql.tables().qualifiedPrefix() + "* are at schema version 1 and this store needs"
                            + " version 2: run migrate-1-to-2-" + dialect.platform() + ".sql (shipped with"
                            + " consent-jdbc; see docs/jdbc.md) first",
                    new SQLException("schema version 1"));
        }
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
