package dev.consentkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The migration from schema version 1 on H2: two schemas of one in-memory database. */
class H2MigrationFromVersion1Test extends AbstractMigrationFromVersion1Test {

    @Override
    protected Scratch openScratch() throws SQLException {
        String url = "jdbc:h2:mem:ckm" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        HikariConfig anyConfig = new HikariConfig();
        anyConfig.setJdbcUrl(url);
        HikariDataSource any = new HikariDataSource(anyConfig);
        try (Connection c = any.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA SRC");
            st.execute("CREATE SCHEMA OLD");
        }
        HikariConfig oldConfig = new HikariConfig();
        oldConfig.setJdbcUrl(url);
        oldConfig.setSchema("OLD");
        HikariDataSource old = new HikariDataSource(oldConfig);
        return new Scratch() {
            @Override
            public String platform() {
                return "h2";
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
                return "SRC";
            }

            @Override
            public String oldName() {
                return "OLD";
            }

            @Override
            public void close() {
                try (Connection c = any.getConnection();
                        Statement st = c.createStatement()) {
                    st.execute("DROP ALL OBJECTS");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                } finally {
                    old.close();
                    any.close();
                }
            }
        };
    }
}
