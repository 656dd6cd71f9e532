package dev.consentkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The migration from schema version 1 on the PostgreSQL server named by CONSENTKIT_TEST_POSTGRES_URL. */
@RequiresDatabase(Database.POSTGRESQL)
class PostgresMigrationFromVersion1IT extends AbstractMigrationFromVersion1Test {

    @Override
    protected Scratch openScratch() throws SQLException {
        return ServerScratch.open(Database.POSTGRESQL, "postgresql");
    }

    /** Two schemas (PostgreSQL) or databases (MariaDB) of the test server, dropped again after the test. */
    static final class ServerScratch implements Scratch {
        private final String platform;
        private final HikariDataSource any;
        private final HikariDataSource old;
        private final String run;
        private final boolean databases;

        private ServerScratch(String platform, HikariDataSource any, HikariDataSource old, String run, boolean db) {
            this.platform = platform;
            this.any = any;
            this.old = old;
            this.run = run;
            this.databases = db;
        }

        static ServerScratch open(Database database, String platform) throws SQLException {
            String run = "ckm" + Long.toString(System.nanoTime(), 36);
            boolean databases = !platform.equals("postgresql");
            HikariDataSource any = new HikariDataSource(config(database));
            try (Connection c = any.getConnection();
                    Statement st = c.createStatement()) {
                String kind = databases ? "DATABASE " : "SCHEMA ";
                st.execute("CREATE " + kind + run + "_src");
                st.execute("CREATE " + kind + run + "_old");
            }
            HikariConfig oldConfig = config(database);
            if (databases) {
                oldConfig.setCatalog(run + "_old");
            } else {
                oldConfig.setSchema(run + "_old");
            }
            return new ServerScratch(platform, any, new HikariDataSource(oldConfig), run, databases);
        }

        private static HikariConfig config(Database database) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(database.url());
            config.setUsername(database.user().orElse(null));
            config.setPassword(database.password());
            config.setMaximumPoolSize(4);
            return config;
        }

        @Override
        public String platform() {
            return platform;
        }

        @Override
        public HikariDataSource old() {
            return old;
        }

        @Override
        public HikariDataSource any() {
            return any;
        }

        @Override
        public String src() {
            return run + "_src";
        }

        @Override
        public String oldName() {
            return run + "_old";
        }

        @Override
        public void close() {
            old.close();
            try (Connection c = any.getConnection();
                    Statement st = c.createStatement()) {
                for (String name : new String[] {src(), oldName()}) {
                    st.execute(
                            databases
                                    ? "DROP DATABASE IF EXISTS " + name
                                    : "DROP SCHEMA IF EXISTS " + name + " CASCADE");
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            } finally {
                any.close();
            }
        }
    }
}
