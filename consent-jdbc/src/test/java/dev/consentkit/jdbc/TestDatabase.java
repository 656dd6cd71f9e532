package dev.consentkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A database for one test class: a pooled DataSource from the {@code CONSENTKIT_TEST_<DB>_URL}, {@code _USER}
 * and {@code _PASSWORD} environment variables, and a table prefix (plus, on PostgreSQL, a schema) of its own so
 * that runs never see each other's data. Without the URL the tests are skipped with one line saying why; under
 * {@code CI=true} a missing or unreachable database fails the run instead.
 */
final class TestDatabase implements AutoCloseable {

    private static final java.util.Set<String> ANNOUNCED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final String name;
    final HikariDataSource dataSource;
    final String schema;
    final String prefix;
    final Dialect dialect;

    private TestDatabase(String name, HikariDataSource dataSource, String schema, String prefix, Dialect dialect) {
        this.name = name;
        this.dataSource = dataSource;
        this.schema = schema;
        this.prefix = prefix;
        this.dialect = dialect;
    }

    static TestDatabase h2() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:ck" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        config.setMaximumPoolSize(10);
        return new TestDatabase("H2", new HikariDataSource(config), null, "ck_", Dialect.H2);
    }

    static TestDatabase fromEnvironment(String name) {
        String key = "CONSENTKIT_TEST_" + name.toUpperCase(Locale.ROOT);
        String url = System.getenv(key + "_URL");
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (url == null || url.isBlank()) {
            if (ci) {
                Assertions.fail(key + "_URL is not set: CI must run the " + name + " tests");
            }
            skip(name + " tests skipped: set " + key + "_URL (and _USER, _PASSWORD) to run them");
        }
        String run = "ck" + Long.toString(System.nanoTime(), 36) + Integer.toString((int) (Math.random() * 1000), 36);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(System.getenv(key + "_USER"));
        config.setPassword(System.getenv().getOrDefault(key + "_PASSWORD", ""));
        config.setMaximumPoolSize(10);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            String message = name + " at " + url + " is unreachable: " + e.getMessage();
            if (ci) {
                Assertions.fail(message, e);
            }
            skip(name + " tests skipped: " + message);
            throw e;
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

    /** Skips the calling test; says why once per database on standard error. */
    private static void skip(String reason) {
        if (ANNOUNCED.add(reason)) {
            System.err.println("[consentkit] " + reason);
        }
        Assumptions.abort(reason);
    }

    /** A store on this database's tables, created if missing. */
    JdbcConsentStore.Builder storeBuilder() {
        return JdbcConsentStore.builder().dataSource(dataSource).schema(schema).tablePrefix(prefix);
    }

    String table(String name) {
        return (schema == null ? "" : schema + ".") + prefix + name;
    }

    /** Empties every table. */
    void clear() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            for (String t : List.of("outbox", "preference", "state", "subject", "log", "purpose")) {
                st.execute("DELETE FROM " + table(t));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            if (schema != null) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            } else {
                for (String t : List.of("outbox", "preference", "state", "subject", "log", "purpose")) {
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
