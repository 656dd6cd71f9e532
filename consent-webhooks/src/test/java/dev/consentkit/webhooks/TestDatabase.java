package dev.consentkit.webhooks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.jdbc.Dialect;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.testsupport.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A database for one test class, with tables of its own: in-memory H2, or the server named by the
 * {@code CONSENTKIT_TEST_<DB>_*} variables (a schema of its own on PostgreSQL, a table prefix of its own on
 * MariaDB), dropped by {@link #close()}.
 */
final class TestDatabase implements AutoCloseable {

    private static final List<String> TABLES = List.of(
            "outbox",
            "outbox_partition",
            "webhook_delivery",
            "preference",
            "state",
            "subject",
            "log",
            "purpose",
            "checkpoint");

    final HikariDataSource dataSource;
    final @Nullable String schema;
    final String prefix;

    private TestDatabase(HikariDataSource dataSource, @Nullable String schema, String prefix) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.prefix = prefix;
    }

    static TestDatabase h2() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:wh" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(6);
        return create(new HikariDataSource(config), null, "ckw_");
    }

    static TestDatabase fromEnvironment(Database database) {
        String run = "ckw" + Long.toString(System.nanoTime(), 36);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(database.user().orElse(null));
        config.setPassword(database.password());
        config.setMaximumPoolSize(6);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(config);
        try (Connection c = ds.getConnection()) {
            String schema = null;
            if (Dialect.detect(c) == Dialect.POSTGRESQL) {
                schema = run;
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE SCHEMA " + schema);
                }
            }
            return create(ds, schema, run + "_");
        } catch (SQLException e) {
            ds.close();
            throw new IllegalStateException(e);
        }
    }

    private static TestDatabase create(HikariDataSource ds, @Nullable String schema, String prefix) {
        TestDatabase db = new TestDatabase(ds, schema, prefix);
        db.storeBuilder().build().createSchemaIfMissing();
        return db;
    }

    JdbcConsentStore.Builder storeBuilder() {
        return JdbcConsentStore.builder().dataSource(dataSource).schema(schema).tablePrefix(prefix);
    }

    String table(String name) {
        return (schema == null ? "" : schema + ".") + prefix + name;
    }

    /** Empties the tables between tests. */
    void clear() {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            for (String t : List.of("outbox", "webhook_delivery", "preference", "state", "subject", "log", "purpose")) {
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
                for (String t : TABLES) {
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
