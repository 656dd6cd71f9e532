package dev.consentkit.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.jdbc.Dialect;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What the per-database statements change, checked on the SQL text alone (the database tests run it). */
class SqlStatementsTest {

    private static SqlStatements on(Dialect dialect) {
        return SqlStatements.of(dialect, Tables.of("audit", "ck_"));
    }

    @Nested
    class TableNames {

        @Test
        void tablesAreQualifiedBySchemaAndPrefix() {
            assertThat(on(Dialect.H2).insertState()).startsWith("INSERT INTO audit.ck_state ");
            assertThat(Tables.of(null, "ck_").log()).isEqualTo("ck_log");
            assertThat(Tables.of("", "ck_").prefix()).isEqualTo("ck_");
        }

        @Test
        void insertLogHasAPlaceholderPerColumnAndOneForTheCommandDigest() {
            String insert = on(Dialect.POSTGRESQL).insertLog();
            assertThat(insert.chars().filter(ch -> ch == '?').count()).isEqualTo(SqlStatements.LOG_COLUMNS.size() + 1);
            assertThat(insert).contains(", command_digest) VALUES");
        }
    }

    @Nested
    class SetsOfSubjects {

        @Test
        void postgresqlAndH2PassManySubjectsAsOneArray() {
            assertThat(on(Dialect.POSTGRESQL).lockSubjects(3)).contains("subject = ANY(?) ORDER BY subject FOR UPDATE");
            assertThat(on(Dialect.H2).erasedSubjects(3)).endsWith("subject = ANY(?)");
            assertThat(on(Dialect.H2).subjectsPerStatement()).isEqualTo(Integer.MAX_VALUE);
        }

        @Test
        void mariaDbAndMySqlUseInListsOfAThousand() {
            for (Dialect d : new Dialect[] {Dialect.MARIADB, Dialect.MYSQL}) {
                assertThat(on(d).lockSubjects(3)).contains("subject IN (?, ?, ?) ORDER BY subject FOR UPDATE");
                assertThat(on(d).subjectsPerStatement()).isEqualTo(1000);
            }
        }

        @Test
        void oneSubjectIsAnEqualityEverywhere() {
            for (Dialect d : Dialect.values()) {
                assertThat(on(d).selectStates(1)).endsWith("h.subject = ?");
            }
        }
    }

    @Nested
    class WhatDiffers {

        @Test
        void relayPartitionsAreLockedWithSkipLockedExceptOnH2WhereASecondRelayWaits() {
            assertThat(on(Dialect.POSTGRESQL).claimOutboxPartitions(4)).endsWith("LIMIT 4 FOR UPDATE SKIP LOCKED");
            assertThat(on(Dialect.MARIADB).claimOutboxPartitions(4)).endsWith("LIMIT 4 FOR UPDATE SKIP LOCKED");
            assertThat(on(Dialect.H2).claimOutboxPartitions(4)).endsWith("LIMIT 4 FOR UPDATE");
        }

        @Test
        void innoDbDeadlockCodesAreRetriedOnlyOnMariaDbAndMySql() {
            SQLException deadlock = new SQLException("deadlock", "HY000", 1213);
            assertThat(on(Dialect.MARIADB).isRetryable(deadlock)).isTrue();
            // InnoDB's lock wait timeout (1205) was retried here; a lock timeout is now never retried (see below)
            assertThat(on(Dialect.MYSQL).isRetryable(new SQLException("timeout", "HY000", 1205)))
                    .isFalse();
            assertThat(on(Dialect.POSTGRESQL).isRetryable(deadlock)).isFalse();
            for (Dialect d : Dialect.values()) {
                assertThat(on(d).isRetryable(new SQLException("serialization", "40001")))
                        .isTrue();
                assertThat(on(d).isRetryable(new SQLException("duplicate", "23505")))
                        .isTrue();
                assertThat(on(d).isRetryable(new SQLException("lost", "08006"))).isFalse();
            }
        }

        @Test
        void eachDatabasesLockTimeoutIsRecognisedEvenInsideABatchFailureAndNeverRetried() {
            SQLException pg = new SQLException("canceling statement due to lock timeout", "55P03");
            SQLException innoDb = new SQLException("Lock wait timeout exceeded", "40001", 1205);
            SQLException h2 = new SQLException("Timeout trying to lock table", "HYT00", 50200);
            assertThat(on(Dialect.POSTGRESQL).isLockTimeout(pg)).isTrue();
            assertThat(on(Dialect.MARIADB).isLockTimeout(innoDb)).isTrue();
            assertThat(on(Dialect.MYSQL).isLockTimeout(innoDb)).isTrue();
            assertThat(on(Dialect.H2).isLockTimeout(h2)).isTrue();
            assertThat(on(Dialect.MARIADB).isRetryable(innoDb))
                    .as("40001, but a lock timeout")
                    .isFalse();

            BatchUpdateException batch = new BatchUpdateException("batch", "55P03", new int[0]);
            SQLException wrapped = new SQLException("batch failed", "08000");
            wrapped.setNextException(batch);
            assertThat(on(Dialect.POSTGRESQL).isLockTimeout(wrapped)).isTrue();
            assertThat(on(Dialect.POSTGRESQL).isLockTimeout(new SQLException("duplicate", "23505")))
                    .isFalse();
        }

        @Test
        void onlyPostgresqlHasTheLogProtectionScript() {
            SqlStatements pg = on(Dialect.POSTGRESQL);
            assertThat(pg.hasLogProtection()).isTrue();
            assertThat(pg.logProtectionScript("CREATE FUNCTION consent_log_protect() ...;"
                            + " CREATE TRIGGER consent_log_protect BEFORE UPDATE ON consent_log"))
                    .isEqualTo("CREATE FUNCTION audit.ck_log_protect() ...;"
                            + " CREATE TRIGGER ck_log_protect BEFORE UPDATE ON audit.ck_log");
            assertThat(on(Dialect.MARIADB).hasLogProtection()).isFalse();
            assertThatThrownBy(() -> on(Dialect.H2).logProtectionScript("x"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
