package dev.consentkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.testsupport.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * A database for one test class: a pooled DataSource from the {@code CONSENTKIT_TEST_<DB>_URL}, {@code _USER}
 * and {@code _PASSWORD} environment variables, and a table prefix (plus, on PostgreSQL, a schema) of its own so
 * that runs never see each other's data. Whether the server is configured at all is
 * {@code @RequiresDatabase}'s to decide (skip locally, fail under {@code CI=true}); a configured server that
 * cannot be reached fails the tests.
 */
public final class TestDatabase implements AutoCloseable {

    public final String name;
    public final HikariDataSource dataSource;
    public final String schema;
    public final String prefix;
    public final Dialect dialect;

    private TestDatabase(String name, HikariDataSource dataSource, String schema, String prefix, Dialect dialect) {
        this.name = name;
        this.dataSource = dataSource;
        this.schema = schema;
        this.prefix = prefix;
        this.dialect = dialect;
    }

    /** A fresh in-memory H2 database. */
    public static TestDatabase h2() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:ck" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(10);
        return new TestDatabase("H2", new HikariDataSource(config), null, "ck_", Dialect.H2);
    }

    /** The server named by its {@code CONSENTKIT_TEST_*} variables; gate the test with {@code @RequiresDatabase}. */
    public static TestDatabase fromEnvironment(Database database) {
        String name = database.displayName();
        String url = database.url();
        String run = "ck" + Long.toString(System.nanoTime(), 36) + Integer.toString((int) (Math.random() * 1000), 36);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(database.user().orElse(null));
        config.setPassword(database.password());
        config.setMaximumPoolSize(10);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            // the URL is set, so the tests are meant to run: an unreachable server fails them
            throw new IllegalStateException(name + " at " + url + " is unreachable: " + e.getMessage(), e);
        }
        try (Connection c = ds.getConnection()) {
            Dialect dialect = Dialect.detect(c);
            String schema = null;
            if (dialect == Dialect.POSTGRESQL) {
                schema = run;
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE SCHEMA " + schema);
                }
            }
            return new TestDatabase(name, ds, schema, run + "_", dialect);
        } catch (SQLException e) {
            ds.close();
            throw new IllegalStateException(e);
        }
    }

    /** A store on this database's tables, created if missing. */
    /** A store builder on this database's DataSource, schema and prefix. */
    public JdbcConsentStore.Builder storeBuilder() {
        return JdbcConsentStore.builder().dataSource(dataSource).schema(schema).tablePrefix(prefix);
    }

    /** A table's qualified name, for example {@code table("outbox")}. */
    public String table(String name) {
        return (schema == null ? "" : schema + ".") + prefix + name;
    }

    /** Empties every table. */
    public void clear() {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            for (String t : List.of(
                    "outbox", "webhook_delivery", "preference", "state", "subject", "log", "purpose", "checkpoint")) {
                st.execute("DELETE FROM " + table(t));
            }
            st.execute("UPDATE " + table("outbox_partition") + " SET passed_at = NULL");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            if (schema != null) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            } else {
                for (String t : List.of(
                        "outbox",
                        "outbox_partition",
                        "webhook_delivery",
                        "preference",
                        "state",
                        "subject",
                        "log",
                        "purpose",
                        "checkpoint")) {
                    st.execute("DROP TABLE IF EXISTS " + table(t));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            dataSource.close();
        }
    }
}
