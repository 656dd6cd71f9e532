package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Two instances on the PostgreSQL server named by CONSENTKIT_TEST_POSTGRES_URL: the feed listens. */
@RequiresDatabase(Database.POSTGRESQL)
class PostgresCrossInstanceCacheIT extends AbstractCrossInstanceCacheTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.POSTGRESQL);
    }

    @Override
    protected JdbcChangeFeed.Mode mode() {
        return JdbcChangeFeed.Mode.LISTEN;
    }

    /** Terminates the backend that LISTENs on this test's channel; returns how many were terminated. */
    private int killListener() throws SQLException {
        String channel = "LISTEN \"" + db.schema.toLowerCase(java.util.Locale.ROOT) + "_" + db.prefix + "changes\"";
        try (Connection c = db.dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = ?")) {
            ps.setString(1, channel);
            int killed = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    killed += rs.getBoolean(1) ? 1 : 0;
                }
            }
            return killed;
        }
    }

    @Test
    void aKilledListenerConnectionNeverLeavesTheOtherInstanceServingStaleAnswers() throws SQLException {
        writer.record(ConsentCommand.grant("cust-1", "marketing.email").build());
        eventually(() -> readerSees("cust-1") == DecisionReason.GRANTED);
        assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.GRANTED);
        assertThat(readerCache().trusted()).isTrue();

        assertThat(killListener()).isEqualTo(1);
        eventually(() -> !readerCache().trusted());
        // while the feed is down, a write's notification reaches nobody: the reader must read through
        writer.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
        long bypasses = readerCache().stats().bypasses();
        if (!readerCache().trusted()) {
            assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(readerCache().stats().bypasses()).isGreaterThan(bypasses);
        }

        eventually(feed::live);
        eventually(() -> readerCache().trusted());
        assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.WITHDRAWN);
        long hits = readerCache().stats().hits();
        assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.WITHDRAWN);
        assertThat(readerCache().stats().hits()).isGreaterThan(hits);
    }
}
