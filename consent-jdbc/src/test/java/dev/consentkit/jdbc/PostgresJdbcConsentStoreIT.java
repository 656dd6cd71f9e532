package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
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

    /**
     * The idempotency lookup (every consent write makes one) must be an index probe on (tenant, idempotency_key)
     * whatever plan PostgreSQL has cached: a generic plan made while the log was empty and never analysed filters
     * the whole tenant through another index instead, and writes slow down as the log grows.
     */
    @Nested
    class IdempotencyLookupPlan {

        @Test
        void keyedWritesProbeTheKeyIndexEvenWithAPlanCachedWhileTheLogWasEmpty() throws Exception {
            try (TestDatabase fresh = TestDatabase.fromEnvironment(Database.POSTGRESQL)) {
                JdbcConsentStore store = fresh.storeBuilder().build();
                store.createSchemaIfMissing();
                ConsentManager m = ConsentManager.builder()
                        .purposes(NEWSLETTER)
                        .store(store)
                        .build();
                // enough executions on the pool's connections for the driver to prepare the lookup on the server
                // and for the server to settle on a generic plan, all while the log holds a handful of rows
                for (int i = 0; i < 40; i++) {
                    m.record(ConsentCommand.grant("early-" + i, "marketing.email")
                            .idempotencyKey("early-" + i)
                            .build());
                }
                try (Connection c = fresh.dataSource.getConnection();
                        Statement st = c.createStatement()) {
                    // 100,000 more rows of the same tenant, never analysed
                    st.execute("INSERT INTO " + fresh.table("log") + " (entry_id, tenant, subject, seq, kind,"
                            + " recorded_at, idempotency_key, conflict, personal_digest, prev_hash, hash)"
                            + " SELECT md5(g::text)::uuid::text, 'default', 'bulk-' || g, 1, 'consent', now(),"
                            + " 'bulk-' || g, FALSE, 'x', 'x', 'x' FROM generate_series(1, 100000) g");
                }
                String purposeIndex = fresh.prefix + "log_purpose_ix";
                String recordedIndex = fresh.prefix + "log_recorded_ix";
                String keyIndex = fresh.prefix + "log_idempotency_uk";
                long otherBefore = tuplesRead(fresh, purposeIndex) + tuplesRead(fresh, recordedIndex);
                long probesBefore = scans(fresh, keyIndex);
                int writes = 40;
                for (int i = 0; i < writes; i++) {
                    m.record(ConsentCommand.grant("late-" + i, "marketing.email")
                            .idempotencyKey("late-" + i)
                            .build());
                }
                // the statistics collector publishes a backend's counts up to a second or so after its transactions
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                while (scans(fresh, keyIndex) < probesBefore + writes && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(scans(fresh, keyIndex)).isGreaterThanOrEqualTo(probesBefore + writes);
                // a lookup through the tenant's other indexes would read 100,000 index entries per write
                assertThat(tuplesRead(fresh, purposeIndex) + tuplesRead(fresh, recordedIndex) - otherBefore)
                        .isLessThan(10_000);
            }
        }

        private long scans(TestDatabase db, String index) throws SQLException {
            return indexCounter(db, index, "idx_scan");
        }

        private long tuplesRead(TestDatabase db, String index) throws SQLException {
            return indexCounter(db, index, "idx_tup_read");
        }

        private long indexCounter(TestDatabase db, String index, String column) throws SQLException {
            try (Connection c = db.dataSource.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("SELECT pg_stat_clear_snapshot()");
                try (ResultSet rs = st.executeQuery("SELECT " + column + " FROM pg_stat_user_indexes"
                        + " WHERE schemaname = '" + db.schema + "' AND indexrelname = '" + index + "'")) {
                    assertThat(rs.next()).as("index %s exists", index).isTrue();
                    return rs.getLong(1);
                }
            }
        }
    }
}
