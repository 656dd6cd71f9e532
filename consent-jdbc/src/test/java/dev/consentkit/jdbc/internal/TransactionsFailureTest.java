package dev.consentkit.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.jdbc.Dialect;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import org.junit.jupiter.api.Test;

/** What a store failure carries: the SQLState, vendor code and driver class names, never the driver's messages. */
class TransactionsFailureTest {

    private static final String ROW = "('cust-secret-7'), ('203.0.113.9'), ('Mozilla/5.0 secret'), ('my comment')";

    @Test
    void aBatchFailureQuotingTheRowIsReportedWithoutItsValuesButWithItsStatesAndClasses() {
        BatchUpdateException batch = new BatchUpdateException(
                "Batch entry 0 INSERT INTO ck_log VALUES " + ROW + " was aborted", "08006", 0, new int[0]);
        batch.setNextException(
                new SQLException("ERROR: duplicate key, Detail: Key (subject)=(cust-secret-7)", "23505"));
        batch.initCause(new IOException("An I/O error quoting " + ROW));

        ConsentStoreException e = Transactions.failure("append", batch);

        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString())
                .doesNotContain("cust-secret-7", "203.0.113.9", "Mozilla", "my comment")
                .contains("java.sql.BatchUpdateException", "08006", "java.io.IOException");
        assertThat(e.getMessage()).contains("append", "SQLState 08006");
        assertThat(e.outcome()).isEqualTo(ConsentStoreException.Outcome.NOT_WRITTEN);
        SQLException cause = (SQLException) e.getCause();
        assertThat(cause.getSQLState()).isEqualTo("08006");
        assertThat(cause.getNextException().getSQLState()).isEqualTo("23505");
        assertThat(cause.getNextException().getMessage()).doesNotContain("cust-secret-7");
        assertThat(cause.getStackTrace()).isEqualTo(batch.getStackTrace());
    }

    @Test
    void connectionFailuresAreTheDriversConnectionClassesClass08AndPostgresShutdowns() {
        SqlStatements pg = SqlStatements.of(Dialect.POSTGRESQL, Tables.of(null, "ck_"));
        SqlStatements h2 = SqlStatements.of(Dialect.H2, Tables.of(null, "ck_"));
        assertThat(pg.isConnectionFailure(new SQLException("terminating connection", "57P01")))
                .isTrue();
        assertThat(pg.isConnectionFailure(new SQLException("I/O error", "08006")))
                .isTrue();
        assertThat(pg.isConnectionFailure(new SQLNonTransientConnectionException("closed", "08000")))
                .isTrue();
        assertThat(pg.isConnectionFailure(new SQLException("deadlock", "40P01")))
                .isFalse();
        assertThat(pg.isConnectionFailure(new SQLException("duplicate", "23505")))
                .isFalse();
        assertThat(h2.isConnectionFailure(new SQLException("Connection is broken", "90067", 90067)))
                .isTrue();
        SQLException wrapped = new SQLException("wrapper", "HY000");
        wrapped.initCause(new SQLException("lost", "08003"));
        assertThat(pg.isConnectionFailure(wrapped)).isTrue();
    }
}
