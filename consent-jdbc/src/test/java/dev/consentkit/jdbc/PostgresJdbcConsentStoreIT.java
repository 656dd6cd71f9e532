package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The store contract and the JDBC tests on the PostgreSQL server named by CONSENTKIT_TEST_POSTGRES_URL. */
@RequiresDatabase(Database.POSTGRESQL)
class PostgresJdbcConsentStoreIT extends AbstractJdbcConsentStoreTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.POSTGRESQL);
    }

    @Override
    protected int writesPerThread() {
        return 500;
    }

    @Nested
    class LogProtection {

        @Test
        void triggerRefusesUpdateAndDeleteButLetsErasureThrough() throws SQLException {
            ConsentRecord r = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-2", "marketing.email").build());
            db().storeBuilder().build().installLogProtection();
            String log = db().table("log");
            try (Connection c = db().dataSource.getConnection();
                    Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeUpdate(
                                "UPDATE " + log + " SET status = 'DENIED' WHERE entry_id = '" + r.id() + "'"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");
                assertThatThrownBy(() -> st.executeUpdate("DELETE FROM " + log))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("append-only");

                assertThat(consents.erase("cust-1", "art17-request")).isPresent();
                assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.ERASED);
                assertThat(consents.verify().intact()).isTrue();
                assertThat(consents.check("cust-2", "marketing.email").allowed())
                        .isTrue();
            } finally {
                try (Connection c = db().dataSource.getConnection();
                        Statement st = c.createStatement()) {
                    st.execute("DROP TRIGGER " + db().prefix + "log_protect ON " + log);
                }
            }
        }
    }
}
