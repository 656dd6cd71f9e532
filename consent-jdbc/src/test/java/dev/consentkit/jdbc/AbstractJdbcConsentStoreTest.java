package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentManagerBuilder;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.VerificationReport.BrokenChain;
import dev.consentkit.core.VerificationReport.CheckpointProblem;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.internal.AppendRequest;
import dev.consentkit.core.internal.ChainWriter;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.jdbc.internal.SqlStatements;
import dev.consentkit.jdbc.internal.Tables;
import dev.consentkit.testsupport.ConsentStoreContract;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The store contract plus what only a database can show: tampering by direct SQL, joining the caller's
 * transaction, and a connection that dies half-way through a write. Subclasses name the database.
 */
abstract class AbstractJdbcConsentStoreTest extends ConsentStoreContract {

    private static final Map<String, TestDatabase> DATABASES = new ConcurrentHashMap<>();

    /** The database to run on, created once per test run and dropped when the JVM exits. */
    protected abstract TestDatabase openDatabase();

    protected TestDatabase db() {
        return DATABASES.computeIfAbsent(getClass().getName(), k -> {
            TestDatabase db = openDatabase();
            db.storeBuilder().build().createSchemaIfMissing();
            Runtime.getRuntime().addShutdownHook(new Thread(db::close));
            return db;
        });
    }

    @Override
    protected ConsentStore newStore() {
        TestDatabase db = db();
        db.clear();
        return db.storeBuilder().clock(clock).build();
    }

    private List<ConsentRecord> threeRecords(String subject) {
        consents.record(ConsentCommand.grant(subject, "marketing.email").build());
        clock.advance(Duration.ofSeconds(1));
        consents.record(ConsentCommand.withdraw(subject, "marketing.email").build());
        clock.advance(Duration.ofSeconds(1));
        consents.record(ConsentCommand.grant(subject, "analytics").build());
        return historyOf(subject);
    }

    private int sql(String statement, Object... params) throws SQLException {
        try (Connection c = db().dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    private long count(String table) throws SQLException {
        try (Connection c = db().dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + db().table(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Nested
    class Tampering {

        @Test
        void changedStatusIsFoundByVerify() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");
            consents.record(ConsentCommand.grant("bystander", "analytics").build());

            assertThat(sql(
                            "UPDATE " + db().table("log") + " SET status = 'GRANTED' WHERE entry_id = ?",
                            records.get(1).id().toString()))
                    .isEqualTo(1);

            VerificationReport report = consents.verify();
            assertThat(report.brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.CONTENT_CHANGED);
                assertThat(b.firstBadRecord()).contains(records.get(1).id());
                assertThat(b.subject()).isEqualTo(SubjectId.of("victim"));
            });
            assertThat(consents.verify("bystander").intact()).isTrue();
        }

        @Test
        void deletedRowIsFoundByVerify() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");

            sql(
                    "DELETE FROM " + db().table("state") + " WHERE entry_id = ?",
                    records.get(1).id().toString());
            assertThat(sql(
                            "DELETE FROM " + db().table("log") + " WHERE entry_id = ?",
                            records.get(1).id().toString()))
                    .isEqualTo(1);

            assertThat(consents.verify().brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.RECORD_MISSING);
                assertThat(b.firstBadRecord()).contains(records.get(2).id());
            });
        }

        @Test
        void deletedLastRowIsFoundByTheHead() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");

            sql(
                    "DELETE FROM " + db().table("state") + " WHERE entry_id = ?",
                    records.get(2).id().toString());
            sql(
                    "DELETE FROM " + db().table("log") + " WHERE entry_id = ?",
                    records.get(2).id().toString());

            assertThat(consents.verify().brokenChains())
                    .singleElement()
                    .satisfies(b -> assertThat(b.problem()).isEqualTo(Problem.RECORD_MISSING));
        }

        @Test
        void swappedOrderIsFoundByVerify() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");
            String log = db().table("log");

            sql(
                    "UPDATE " + log + " SET seq = -1 WHERE entry_id = ?",
                    records.get(0).id().toString());
            sql(
                    "UPDATE " + log + " SET seq = 1 WHERE entry_id = ?",
                    records.get(1).id().toString());
            sql(
                    "UPDATE " + log + " SET seq = 2 WHERE entry_id = ?",
                    records.get(0).id().toString());

            assertThat(consents.verify().brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.ORDER_CHANGED);
                assertThat(b.firstBadRecord()).contains(records.get(1).id());
            });
        }
    }

    /**
     * The two edits a checkpoint exists for, by direct SQL: each leaves chains, heads and state agreeing with each
     * other, so {@code verify()} alone finds nothing; {@code verify(checkpoint)} does.
     */
    @Nested
    class CheckpointedLog {

        private String where() {
            return " WHERE tenant = 'default' AND subject = ?";
        }

        private Checkpoint checkpointAfter(List<ConsentRecord> victim) {
            consents.record(ConsentCommand.grant("bystander", "analytics").build());
            clock.advance(Duration.ofMinutes(1));
            Checkpoint checkpoint = consents.checkpoint();
            assertThat(checkpoint.chainCount()).isEqualTo(2);
            assertThat(consents.verify(checkpoint).intact()).isTrue();
            return checkpoint;
        }

        @Test
        void aChainDeletedWithItsHeadAndStateIsFoundByTheCheckpoint() throws SQLException {
            Checkpoint checkpoint = checkpointAfter(threeRecords("victim"));

            assertThat(sql("DELETE FROM " + db().table("state") + where(), "victim"))
                    .isEqualTo(2);
            assertThat(sql("DELETE FROM " + db().table("log") + where(), "victim"))
                    .isEqualTo(3);
            assertThat(sql("DELETE FROM " + db().table("subject") + where(), "victim"))
                    .isEqualTo(1);

            assertThat(consents.verify().intact())
                    .as("undetectable without a checkpoint")
                    .isTrue();
            VerificationReport report = consents.verify(Checkpoint.parse(checkpoint.toText()));
            assertThat(report.intact()).isFalse();
            assertThat(report.checkpointProblems())
                    .containsExactly(new CheckpointProblem("default", checkpoint.id(), Problem.CHAIN_MISSING, 2, 1));
        }

        @Test
        void aChainRewoundWithItsHeadAndStateIsFoundByTheCheckpoint() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");
            Checkpoint checkpoint = checkpointAfter(records);
            ConsentRecord first = records.get(0);

            // the withdrawal and the later grant go; head and state point at the first grant again
            assertThat(sql("DELETE FROM " + db().table("log") + where() + " AND seq > 1", "victim"))
                    .isEqualTo(2);
            String firstRow = " FROM " + db().table("log") + " WHERE entry_id = '" + first.id() + "')";
            assertThat(sql(
                            "UPDATE " + db().table("subject") + " SET head_seq = 1, head_hash = ?,"
                                    + " head_recorded_at = (SELECT recorded_at" + firstRow + where(),
                            first.link().hash(),
                            "victim"))
                    .isEqualTo(1);
            // a careful editor also copies the first grant's deciding columns, which verify() compares with the log
            StringBuilder deciding = new StringBuilder();
            for (String column :
                    List.of("status", "purpose_version", "effective_at", "expires_at", "conflict", "seq")) {
                deciding.append(", ")
                        .append(column)
                        .append(" = (SELECT ")
                        .append(column)
                        .append(firstRow);
            }
            assertThat(sql(
                            "UPDATE " + db().table("state") + " SET entry_id = ?" + deciding + where()
                                    + " AND purpose_id = 'marketing.email'",
                            first.id().toString(),
                            "victim"))
                    .isEqualTo(1);
            assertThat(sql("DELETE FROM " + db().table("state") + where() + " AND purpose_id = 'analytics'", "victim"))
                    .isEqualTo(1);

            assertThat(consents.check("victim", "marketing.email").allowed())
                    .as("the withdrawal is gone")
                    .isTrue();
            assertThat(consents.verify().intact())
                    .as("undetectable without a checkpoint")
                    .isTrue();
            assertThat(consents.verify(checkpoint).checkpointProblems())
                    .containsExactly(new CheckpointProblem("default", checkpoint.id(), Problem.CHAIN_REWOUND, 2, 2));
        }

        @Test
        void anEditedCheckpointRowProvesNothingButTheAuditorsCopyStillHolds() throws SQLException {
            Checkpoint checkpoint = checkpointAfter(threeRecords("victim"));

            assertThat(sql("UPDATE " + db().table("checkpoint") + " SET chain_count = 1"))
                    .isEqualTo(1);

            Checkpoint edited = store.checkpoints("default").get(0);
            assertThat(consents.verify(edited).checkpointProblems())
                    .extracting(CheckpointProblem::problem)
                    .containsExactly(Problem.CHECKPOINT_SIGNATURE_INVALID);
            assertThat(consents.verify(checkpoint).intact()).isTrue();
        }
    }

    /** Rows beside the log (current state, heads, erased flags) edited by direct SQL, and rows that cannot be read. */
    @Nested
    class EditedState {

        private String where() {
            return " WHERE tenant = 'default' AND subject = ?";
        }

        @Test
        void stateRowPointedAtAnOlderGrantIsFoundByVerify() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");

            assertThat(sql(
                            "UPDATE " + db().table("state") + " SET entry_id = ?" + where()
                                    + " AND purpose_id = 'marketing.email'",
                            records.get(0).id().toString(),
                            "victim"))
                    .isEqualTo(1);
            assertThat(consents.check("victim", "marketing.email").allowed()).isTrue(); // the edit took effect

            VerificationReport report = consents.verify();
            assertThat(report.intact()).isFalse();
            assertThat(report.brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.STATE_MISMATCH);
                assertThat(b.subject()).isEqualTo(SubjectId.of("victim"));
                assertThat(b.firstBadRecord()).contains(records.get(1).id());
            });
        }

        @Test
        void decidingColumnsEditedAwayFromTheirLogRowAreFoundByVerify() throws SQLException {
            ConsentRecord parent =
                    consents.record(ConsentCommand.grant("victim", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.deny("victim", "marketing.email").build());
            assertThat(consents.check("victim", "marketing.email").allowed()).isFalse();

            // the parent's grant made to look later than the child's refusal: a check picks its record by these
            assertThat(sql(
                            "UPDATE " + db().table("state")
                                    + " SET seq = 99, effective_at = effective_at + INTERVAL '1' DAY" + where()
                                    + " AND purpose_id = 'marketing'",
                            "victim"))
                    .isEqualTo(1);
            assertThat(consents.check("victim", "marketing.email").record()).contains(parent); // the edit took effect

            assertThat(consents.verify().brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.STATE_MISMATCH);
                assertThat(b.subject()).isEqualTo(SubjectId.of("victim"));
            });
        }

        @Test
        void stateRowPointedAtAnotherSubjectsRecordIsFoundByVerify() throws SQLException {
            threeRecords("victim");
            ConsentRecord other = consents.record(
                    ConsentCommand.grant("bystander", "marketing.email").build());

            sql(
                    "UPDATE " + db().table("state") + " SET entry_id = ?" + where()
                            + " AND purpose_id = 'marketing.email'",
                    other.id().toString(),
                    "victim");

            assertThat(consents.verify().brokenChains()).singleElement().satisfies(b -> {
                assertThat(b.problem()).isEqualTo(Problem.STATE_MISMATCH);
                assertThat(b.subject()).isEqualTo(SubjectId.of("victim"));
            });
            assertThat(consents.verify("bystander").intact()).isTrue();
        }

        @Test
        void headWithoutEntriesIsFoundByVerify() throws SQLException {
            threeRecords("victim");
            consents.record(ConsentCommand.grant("bystander", "analytics").build());

            sql("DELETE FROM " + db().table("state") + where(), "victim");
            assertThat(sql("DELETE FROM " + db().table("log") + where(), "victim"))
                    .isEqualTo(3);

            VerificationReport report = consents.verify();
            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(
                            "default", SubjectId.of("victim"), Optional.empty(), 3, Problem.HEAD_WITHOUT_ENTRIES));
            assertThat(report.subjectsChecked()).isEqualTo(2);
            assertThat(consents.verify("victim").brokenChains())
                    .singleElement()
                    .satisfies(b -> assertThat(b.problem()).isEqualTo(Problem.HEAD_WITHOUT_ENTRIES));
        }

        @Test
        void entriesWithoutHeadAreFoundByVerify() throws SQLException {
            threeRecords("victim");

            assertThat(sql("DELETE FROM " + db().table("subject") + where(), "victim"))
                    .isEqualTo(1);

            assertThat(consents.verify().brokenChains())
                    .singleElement()
                    .satisfies(b -> assertThat(b.problem()).isEqualTo(Problem.ENTRIES_WITHOUT_HEAD));
        }

        @Test
        void flippedErasedFlagIsFoundByVerify() throws SQLException {
            threeRecords("victim");

            assertThat(sql("UPDATE " + db().table("subject") + " SET erased = TRUE" + where(), "victim"))
                    .isEqualTo(1);

            assertThat(consents.verify().brokenChains())
                    .singleElement()
                    .satisfies(b -> assertThat(b.problem()).isEqualTo(Problem.ERASED_FLAG_MISMATCH));
        }

        @Test
        void malformedRowIsReportedAndTheRestOfTheTenantIsVerified() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");
            consents.record(ConsentCommand.grant("bystander", "analytics").build());
            consents.record(ConsentCommand.grant("zed", "analytics").build());

            sql(
                    "UPDATE " + db().table("log") + " SET status = 'BOGUS' WHERE entry_id = ?",
                    records.get(1).id().toString());

            VerificationReport report = consents.verify();
            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(
                            "default",
                            SubjectId.of("victim"),
                            Optional.of(records.get(1).id()),
                            2,
                            Problem.MALFORMED_ENTRY));
            assertThat(report.subjectsChecked()).isEqualTo(3);
            assertThat(report.recordsChecked()).isEqualTo(5);
            assertThatThrownBy(() -> historyOf("victim"))
                    .isInstanceOf(ConsentStoreException.class)
                    .hasMessageContaining("history");
        }

        @Test
        void rowWithoutItsCollectionPointIsReportedByVerify() throws SQLException {
            List<ConsentRecord> records = threeRecords("victim");

            sql(
                    "UPDATE " + db().table("log") + " SET collection_point = NULL WHERE entry_id = ?",
                    records.get(0).id().toString());

            assertThat(consents.verify().brokenChains())
                    .singleElement()
                    .satisfies(b -> assertThat(b.problem()).isEqualTo(Problem.MALFORMED_ENTRY));
        }
    }

    @Nested
    class Transactions {

        @Test
        void joinsTheCallersTransactionAndRollsBackWithIt() throws SQLException {
            try (Connection c = db().dataSource.getConnection()) {
                c.setAutoCommit(false);
                ConsentManager joined = managerOn(sameConnection(c));
                joined.record(ConsentCommand.grant("cust-1", "marketing.email").build());
                assertThat(joined.check("cust-1", "marketing.email").allowed()).isTrue();
                c.rollback();
                c.setAutoCommit(true);
            }
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isFalse();
            assertThat(count("log")).isZero();
        }

        @Test
        void joinsTheCallersTransactionAndCommitsWithIt() throws SQLException {
            try (Connection c = db().dataSource.getConnection()) {
                c.setAutoCommit(false);
                managerOn(sameConnection(c))
                        .record(ConsentCommand.grant("cust-1", "marketing.email")
                                .build());
                c.commit();
                c.setAutoCommit(true);
            }
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isTrue();
        }

        @Test
        void aConnectionDyingAtAnyStatementOfAWriteLeavesNothing() throws SQLException {
            consents.record(ConsentCommand.grant("cust-1", "analytics").build());
            consents.record(ConsentCommand.grant("cust-2", "analytics").build());
            long before = count("log");
            AtomicInteger statements = new AtomicInteger(-1);
            ConsentManager counting = managerOn(failingAfter(Integer.MAX_VALUE, statements));
            counting.savePurposes(); // not part of the write under test
            statements.set(0);
            // counted on a subject that has a chain already, like the write that fails below
            counting.record(ConsentCommand.grant("cust-2", "marketing.email").build());
            int perWrite = statements.get();
            assertThat(perWrite).as("statements in one write").isGreaterThanOrEqualTo(5);
            long afterOne = count("log");
            assertThat(afterOne).isEqualTo(before + 1);

            for (int failAt = 1; failAt <= perWrite; failAt++) {
                AtomicInteger counter = new AtomicInteger(-1);
                ConsentManager failing = managerOn(failingAfter(failAt, counter));
                failing.savePurposes();
                counter.set(0);
                assertThatThrownBy(() -> failing.record(ConsentCommand.grant("cust-1", "marketing.email")
                                .build()))
                        .as("failing at statement %d", failAt)
                        .isInstanceOf(ConsentStoreException.class)
                        .hasMessageContaining("append")
                        .hasMessageNotContaining("cust-1")
                        .extracting(e -> ((ConsentStoreException) e).outcome())
                        .isEqualTo(ConsentStoreException.Outcome.NOT_WRITTEN);
                assertThat(count("log"))
                        .as("log rows after failing at %d", failAt)
                        .isEqualTo(afterOne);
                assertThat(count("outbox")).isEqualTo(afterOne);
                assertThat(consents.check("cust-1", "marketing.email").allowed())
                        .isFalse();
                assertThat(consents.verify().intact()).isTrue();
            }
        }

        @Test
        void serializationFailuresAreRetriedABoundedNumberOfTimes() {
            AtomicInteger connections = new AtomicInteger();
            DataSource real = db().dataSource;
            DataSource alwaysConflicting = dataSource(() -> {
                connections.incrementAndGet();
                Connection c = real.getConnection();
                return (Connection) Proxy.newProxyInstance(
                        Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement")) {
                                throw new SQLException("could not serialize access", "40001");
                            }
                            return invoke(c, method, args);
                        });
            });
            JdbcConsentStore store = db().storeBuilder()
                    .dataSource(alwaysConflicting)
                    .dialect(db().dialect)
                    .maxAttempts(3)
                    .build();

            assertThatThrownBy(() -> new ChainWriter(store)
                            .appendAll(List.of(new AppendRequest(
                                    "default", SubjectId.of("cust-1"), Optional.empty(), st -> List.of()))))
                    .isInstanceOf(ConsentStoreException.class)
                    .hasMessageContaining("40001");
            assertThat(connections.get()).isEqualTo(3);
        }

        @Test
        void listenersHearOfAJoinedWriteOnlyAfterTheCommitThroughTheHook() throws SQLException {
            List<AuditEntry> heard = new ArrayList<>();
            List<Runnable> onCommit = new ArrayList<>();
            ConsentRecord hooked;
            try (Connection c = db().dataSource.getConnection()) {
                c.setAutoCommit(false);
                DataSource joined = sameConnection(c);
                managerBuilderOn(joined)
                        .listener(heard::add)
                        .build()
                        .record(ConsentCommand.grant("cust-1", "marketing.email")
                                .build());
                assertThat(heard).as("joined write, no hook").isEmpty();

                hooked = managerBuilderOn(joined)
                        .listener(heard::add)
                        .commitHook(onCommit::add)
                        .build()
                        .record(ConsentCommand.grant("cust-2", "marketing.email")
                                .build());
                assertThat(heard).as("joined write before the commit").isEmpty();
                assertThat(onCommit).hasSize(1);

                c.commit();
                c.setAutoCommit(true);
                onCommit.forEach(Runnable::run);
            }
            assertThat(heard).containsExactly(hooked);
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isTrue();

            ConsentRecord own = managerBuilderOn(db().dataSource)
                    .listener(heard::add)
                    .build()
                    .record(ConsentCommand.grant("cust-3", "marketing.email").build());
            assertThat(heard).as("own transaction: heard at once").containsExactly(hooked, own);
        }

        @Test
        void aCommitThatLosesItsConnectionAfterCommittingIsFoundAndReturnedAsWrittenAndHeardOnce() {
            AtomicInteger commits = new AtomicInteger(-1);
            List<AuditEntry> heard = new ArrayList<>();
            ConsentManager lossy = managerBuilderOnCommitting(losingCommits(commits, true, 1))
                    .listener(heard::add)
                    .build();
            lossy.savePurposes();
            commits.set(0);

            ConsentRecord r = lossy.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(commits.get()).as("commits that lost their connection").isEqualTo(1);
            assertThat(historyOf("cust-1")).extracting(AuditEntry::id).containsExactly(r.id());
            assertThat(heard).extracting(AuditEntry::id).containsExactly(r.id());
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isTrue();
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aCommitThatLosesItsConnectionBeforeCommittingIsFoundAbsentAndWrittenAgainOnce() {
            AtomicInteger commits = new AtomicInteger(-1);
            List<AuditEntry> heard = new ArrayList<>();
            ConsentManager lossy = managerBuilderOnCommitting(losingCommits(commits, false, 1))
                    .listener(heard::add)
                    .build();
            lossy.savePurposes();
            commits.set(0);

            ConsentRecord r = lossy.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(commits.get()).isEqualTo(1);
            assertThat(historyOf("cust-1")).extracting(AuditEntry::id).containsExactly(r.id());
            assertThat(heard).extracting(AuditEntry::id).containsExactly(r.id());
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aWriteWhoseCommitsAllFailUncommittedIsReportedNotWritten() throws SQLException {
            AtomicInteger commits = new AtomicInteger(-1);
            ConsentManager lossy = managerBuilderOnCommitting(losingCommits(commits, false, Integer.MAX_VALUE))
                    .build();
            lossy.savePurposes();
            commits.set(0);

            Throwable thrown = catchThrowable(() -> lossy.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build()));

            assertThat(thrown).isInstanceOf(ConsentStoreException.class).hasMessageNotContaining("cust-1");
            assertThat(((ConsentStoreException) thrown).outcome()).isEqualTo(ConsentStoreException.Outcome.NOT_WRITTEN);
            assertThat(count("log")).isZero();
        }

        @Test
        void aCommitInDoubtWhileTheDatabaseStaysUnreachableIsReportedUnknown() throws SQLException {
            AtomicInteger commits = new AtomicInteger(-1);
            java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
            DataSource lossy = losingCommits(commits, true, 1);
            DataSource goingDown = dataSource(() -> {
                if (down.get()) {
                    throw new SQLException("connection refused", "08001");
                }
                Connection c = lossy.getConnection();
                return (Connection) Proxy.newProxyInstance(
                        Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            try {
                                return invoke(c, method, args);
                            } finally {
                                if (method.getName().equals("commit") && commits.get() > 0) {
                                    down.set(true);
                                }
                            }
                        });
            });
            List<AuditEntry> heard = new ArrayList<>();
            ConsentManager manager =
                    managerBuilderOnCommitting(goingDown).listener(heard::add).build();
            manager.savePurposes();
            commits.set(0);

            Throwable thrown = catchThrowable(() -> manager.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build()));

            assertThat(thrown).isInstanceOf(ConsentStoreException.class).hasMessageNotContaining("cust-1");
            assertThat(((ConsentStoreException) thrown).outcome()).isEqualTo(ConsentStoreException.Outcome.UNKNOWN);
            assertThat(heard).isEmpty();
            assertThat(count("log")).as("it did commit").isEqualTo(1);
        }

        @Test
        void anErasureWhoseCommitLosesItsConnectionAfterCommittingIsReturnedAsDone() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            AtomicInteger commits = new AtomicInteger(-1);
            List<AuditEntry> heard = new ArrayList<>();
            ConsentManager lossy = managerBuilderOnCommitting(losingCommits(commits, true, 1))
                    .listener(heard::add)
                    .build();
            lossy.savePurposes();
            commits.set(0);

            Optional<dev.consentkit.core.ErasureRecord> erased = lossy.erase("cust-1", "art17-request");

            assertThat(commits.get()).isEqualTo(1);
            assertThat(erased).isPresent();
            assertThat(heard)
                    .extracting(AuditEntry::id)
                    .containsExactly(erased.orElseThrow().id());
            assertThat(consents.verify().intact()).isTrue();
        }

        private ConsentManagerBuilder managerBuilderOnCommitting(DataSource ds) {
            return ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .store(db().storeBuilder()
                            .dataSource(ds)
                            .dialect(db().dialect)
                            .clock(clock)
                            .build())
                    .clock(clock)
                    .pseudonymKey(KEY);
        }

        private ConsentManager managerOn(DataSource ds) {
            return managerBuilderOn(ds).build();
        }

        private ConsentManagerBuilder managerBuilderOn(DataSource ds) {
            return ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .store(db().storeBuilder()
                            .dataSource(ds)
                            .dialect(db().dialect)
                            .clock(clock)
                            .build())
                    .clock(clock);
        }
    }

    /**
     * Row locks: a writer waits at most the lock timeout and is not retried, readers never wait, and first writers
     * of a new subject wait for each other's lock instead of failing on its primary key.
     */
    @Nested
    class Locks {

        private static final Duration TIMEOUT = Duration.ofSeconds(1);

        /** Holds the subject's row lock on a connection of its own, as a writer in mid-transaction does. */
        private Connection lockSubjectRow(String subject) throws SQLException {
            Connection c = db().dataSource.getConnection();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT head_seq FROM " + db().table("subject")
                    + " WHERE tenant = 'default' AND subject = ? FOR UPDATE")) {
                ps.setString(1, subject);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("the subject's row").isTrue();
                }
            }
            return c;
        }

        private static void release(Connection c) throws SQLException {
            c.rollback();
            c.setAutoCommit(true);
            c.close();
        }

        /** A manager on the test database whose connections are counted, with a lock timeout of one second. */
        private ConsentManager countingManager(AtomicInteger connections) {
            DataSource real = db().dataSource;
            DataSource counting = dataSource(() -> {
                connections.incrementAndGet();
                return real.getConnection();
            });
            ConsentManager m = ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .store(db().storeBuilder()
                            .dataSource(counting)
                            .dialect(db().dialect)
                            .lockTimeout(TIMEOUT)
                            .maxAttempts(5)
                            .clock(clock)
                            .build())
                    .clock(clock)
                    .build();
            m.savePurposes(); // not part of the writes under test
            connections.set(0);
            return m;
        }

        @Test
        void aWriterBlockedByAnotherTransactionsLockFailsAfterTheTimeoutOnceAndWritesNothing() throws SQLException {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            long before = count("log");
            AtomicInteger connections = new AtomicInteger();
            ConsentManager blocked = countingManager(connections);

            Connection holder = lockSubjectRow("cust-1");
            long started = System.nanoTime();
            Throwable thrown;
            try {
                thrown = catchThrowable(() -> blocked.record(
                        ConsentCommand.withdraw("cust-1", "marketing.email").build()));
            } finally {
                release(holder);
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - started);

            assertThat(thrown).isInstanceOf(ConsentStoreException.class).hasMessageNotContaining("cust-1");
            ConsentStoreException e = (ConsentStoreException) thrown;
            assertThat(e.reason()).isEqualTo(ConsentStoreException.Reason.LOCK_TIMEOUT);
            assertThat(e.operation()).isEqualTo("append");
            assertThat(connections.get()).as("attempts (one connection each)").isEqualTo(1);
            assertThat(waited).isBetween(TIMEOUT.multipliedBy(8).dividedBy(10), TIMEOUT.multipliedBy(3));
            assertThat(count("log")).isEqualTo(before);
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isTrue();

            // once the lock is gone the same write goes through on the same store
            blocked.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isFalse();
        }

        @Test
        void readsDoNotWaitForAWritersRowLocks() throws Exception {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-2", "marketing.email").build());
            Connection holder = lockSubjectRow("cust-1");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                // the holder also moves the head and the state row, as a writer does before it commits
                try (Statement st = holder.createStatement()) {
                    st.executeUpdate("UPDATE " + db().table("subject")
                            + " SET head_seq = head_seq WHERE tenant = 'default' AND subject = 'cust-1'");
                    st.executeUpdate("UPDATE " + db().table("state")
                            + " SET entry_id = entry_id WHERE tenant = 'default' AND subject = 'cust-1'");
                }
                long started = System.nanoTime();
                Future<?> reads = pool.submit(() -> {
                    assertThat(consents.check("cust-1", "marketing.email").allowed())
                            .isTrue();
                    assertThat(consents.filterAllowed("marketing.email", List.of("cust-1", "cust-2", "cust-3")))
                            .containsExactlyInAnyOrder(SubjectId.of("cust-1"), SubjectId.of("cust-2"));
                    assertThat(store.state("default", SubjectId.of("cust-1"))).isPresent();
                    assertThat(store.head("default", SubjectId.of("cust-1"))).isPresent();
                    assertThat(historyOf("cust-1")).hasSize(1);
                    return null;
                });
                reads.get(10, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
            } finally {
                pool.shutdownNow();
                release(holder);
            }
        }

        @Test
        void concurrentFirstWritersOfANewSubjectAllSucceedAtTheFirstAttemptAndNothingIsLogged() throws Exception {
            int writers = 8;
            int rounds = 10;
            AtomicInteger connections = new AtomicInteger();
            ConsentManager counting = countingManager(connections);
            counting.record(ConsentCommand.grant("warm-up", "analytics").build());
            int perWrite = connections.getAndSet(0);

            PrintStream original = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                for (int round = 0; round < rounds; round++) {
                    String subject = "first-writer-secret-" + round;
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<ConsentRecord>> futures = new ArrayList<>();
                    for (int w = 0; w < writers; w++) {
                        String purpose = w % 2 == 0 ? "marketing.email" : "analytics";
                        futures.add(pool.submit(() -> {
                            start.await();
                            return counting.record(
                                    ConsentCommand.grant(subject, purpose).build());
                        }));
                    }
                    start.countDown();
                    for (Future<ConsentRecord> f : futures) {
                        f.get(1, TimeUnit.MINUTES);
                    }
                    assertThat(historyOf(subject))
                            .extracting(r -> r.link().sequence())
                            .containsExactlyInAnyOrderElementsOf(
                                    LongStream.rangeClosed(1, writers).boxed().toList());
                }
            } finally {
                pool.shutdownNow();
                System.setErr(original);
            }
            String log = captured.toString(StandardCharsets.UTF_8);

            if (db().dialect != Dialect.H2) {
                assertThat(connections.get())
                        .as("connections: one write each, no write retried")
                        .isEqualTo(writers * rounds * perWrite);
            } else {
                // H2 has no insert-or-ignore that waits for a concurrent insert: a lost race there is a
                // duplicate key inside the store, retried within the attempts, and logged by nobody
                assertThat(connections.get())
                        .as("connections: every write at least once, retries within maxAttempts")
                        .isBetween(writers * rounds * perWrite, writers * rounds * perWrite * 5);
            }
            assertThat(log).doesNotContain("first-writer-secret").doesNotContainIgnoringCase("duplicate");
            assertThat(log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR")))
                    .isEmpty();
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aWriteThatWritesNothingLeavesNoSubjectRow() throws SQLException {
            new ChainWriter(store)
                    .append(new AppendRequest("default", SubjectId.of("cust-9"), Optional.empty(), st -> List.of()));
            assertThat(consents.erase("cust-8", "art17-request")).isEmpty();
            assertThat(count("subject")).isZero();

            // in the caller's transaction, which commits after the write failed
            try (Connection c = db().dataSource.getConnection()) {
                c.setAutoCommit(false);
                JdbcConsentStore joined = db().storeBuilder()
                        .dataSource(sameConnection(c))
                        .dialect(db().dialect)
                        .build();
                assertThatThrownBy(() -> new ChainWriter(joined)
                                .append(new AppendRequest("default", SubjectId.of("cust-7"), Optional.empty(), st -> {
                                    throw new IllegalStateException("plan failed");
                                })))
                        .hasMessage("plan failed");
                c.commit();
                c.setAutoCommit(true);
            }
            assertThat(count("subject")).isZero();
        }

        @Test
        void aConnectionDyingAtAnyStatementOfAFirstWriteLeavesNoSubjectRow() throws SQLException {
            AtomicInteger statements = new AtomicInteger(-1);
            ConsentManager counting = managerOn(failingAfter(Integer.MAX_VALUE, statements));
            counting.savePurposes(); // not part of the write under test
            statements.set(0);
            counting.record(ConsentCommand.grant("cust-2", "marketing.email").build());
            int perFirstWrite = statements.get();
            assertThat(count("subject")).isEqualTo(1);

            for (int failAt = 1; failAt <= perFirstWrite; failAt++) {
                AtomicInteger counter = new AtomicInteger(-1);
                ConsentManager failing = managerOn(failingAfter(failAt, counter));
                failing.savePurposes();
                counter.set(0);
                assertThatThrownBy(() -> failing.record(ConsentCommand.grant("cust-1", "marketing.email")
                                .build()))
                        .as("failing at statement %d", failAt)
                        .isInstanceOf(ConsentStoreException.class);
                assertThat(count("subject"))
                        .as("subject rows after failing at %d", failAt)
                        .isEqualTo(1);
                assertThat(count("log")).isEqualTo(1);
            }
        }

        private ConsentManager managerOn(DataSource ds) {
            return ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .store(db().storeBuilder()
                            .dataSource(ds)
                            .dialect(db().dialect)
                            .clock(clock)
                            .build())
                    .clock(clock)
                    .build();
        }

        @Test
        void anErasureAndALateWriteOfTheErasedSubjectLeaveOnlyThePseudonymsRow() throws SQLException {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            SubjectId pseudonym =
                    consents.erase("cust-1", "art17-request").orElseThrow().subject();
            new ChainWriter(store)
                    .append(new AppendRequest(
                            "default",
                            SubjectId.of("cust-1"),
                            Optional.empty(),
                            Optional.of(pseudonym),
                            st -> List.of()));

            assertThat(count("subject")).isEqualTo(1);
            assertThat(store.head("default", pseudonym)).isPresent();
            assertThat(consents.verify().intact()).isTrue();
        }
    }

    @Nested
    class Outbox {

        private JdbcConsentStore jdbcStore() {
            return (JdbcConsentStore) store;
        }

        @Test
        void deliversEveryCommittedEntryOnceInChainOrderAndEmptiesTheOutbox() throws SQLException {
            List<ConsentRecord> alice = threeRecords("alice");
            List<ConsentRecord> bob = threeRecords("bob");
            List<dev.consentkit.core.AuditEntry> received = new java.util.ArrayList<>();
            OutboxRelay relay = OutboxRelay.builder(jdbcStore())
                    .listener(received::add)
                    .partitionsPerPass(16)
                    .batchSize(4)
                    .clock(clock)
                    .build();

            int first = relay.deliverPending();
            int second = relay.deliverPending();
            int third = relay.deliverPending();

            assertThat(List.of(first, second, third)).containsExactly(4, 2, 0);
            assertThat(received)
                    .filteredOn(e -> e.subject().value().equals("alice"))
                    .containsExactlyElementsOf(alice);
            assertThat(received)
                    .filteredOn(e -> e.subject().value().equals("bob"))
                    .containsExactlyElementsOf(bob);
            assertThat(count("outbox")).isZero();
        }

        @Test
        void aRolledBackWriteNeverReachesTheListener() throws SQLException {
            try (Connection c = db().dataSource.getConnection()) {
                c.setAutoCommit(false);
                ConsentManager joined = ConsentManager.builder()
                        .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                        .store(db().storeBuilder()
                                .dataSource(sameConnection(c))
                                .dialect(db().dialect)
                                .build())
                        .clock(clock)
                        .build();
                joined.record(ConsentCommand.grant("cust-1", "marketing.email").build());
                c.rollback();
                c.setAutoCommit(true);
            }
            List<dev.consentkit.core.AuditEntry> received = new java.util.ArrayList<>();
            assertThat(OutboxRelay.builder(jdbcStore())
                            .listener(received::add)
                            .build()
                            .deliverPending())
                    .isZero();
            assertThat(received).isEmpty();
        }

        @Test
        void aFailingListenerBacksOffForThatSubjectOnlyAndKeepsItsOrder() throws SQLException {
            List<ConsentRecord> alice = threeRecords("alice");
            List<ConsentRecord> bob = threeRecords("bob");
            List<dev.consentkit.core.AuditEntry> received = new java.util.ArrayList<>();
            AtomicInteger aliceFailures = new AtomicInteger(2);
            OutboxRelay relay = OutboxRelay.builder(jdbcStore())
                    .clock(clock)
                    .partitionsPerPass(16)
                    .initialBackoff(Duration.ofSeconds(10))
                    .maxBackoff(Duration.ofMinutes(1))
                    .listener(e -> {
                        if (e.subject().value().equals("alice") && aliceFailures.getAndDecrement() > 0) {
                            throw new IllegalStateException("CRM unavailable");
                        }
                        received.add(e);
                    })
                    .build();

            assertThat(relay.deliverPending()).isEqualTo(3);
            assertThat(received).containsExactlyElementsOf(bob);
            assertThat(relay.deliverPending()).as("alice is backing off").isZero();
            clock.advance(Duration.ofSeconds(10));
            assertThat(relay.deliverPending())
                    .as("second failure doubles the wait")
                    .isZero();
            clock.advance(Duration.ofSeconds(10));
            assertThat(relay.deliverPending()).as("still within 20 s").isZero();
            clock.advance(Duration.ofSeconds(10));
            assertThat(relay.deliverPending()).isEqualTo(3);
            assertThat(received.subList(3, 6)).containsExactlyElementsOf(alice);
            assertThat(count("outbox")).isZero();
        }

        @Test
        void entriesOfAPassThatDiedAreDeliveredAgainAfterARestart() throws SQLException {
            List<ConsentRecord> records = threeRecords("alice");
            List<dev.consentkit.core.AuditEntry> beforeCrash = new java.util.ArrayList<>();
            OutboxRelay dying = OutboxRelay.builder(jdbcStore())
                    .clock(clock)
                    .partitionsPerPass(16)
                    .listener(e -> {
                        if (beforeCrash.size() == 2) {
                            throw new OutOfMemoryError("simulated crash of the application");
                        }
                        beforeCrash.add(e);
                    })
                    .build();
            assertThatThrownBy(dying::deliverPending).isInstanceOf(OutOfMemoryError.class);
            assertThat(count("outbox")).isEqualTo(3);

            List<dev.consentkit.core.AuditEntry> afterRestart = new java.util.ArrayList<>();
            OutboxRelay restarted = OutboxRelay.builder(db().storeBuilder().build())
                    .partitionsPerPass(16)
                    .listener(afterRestart::add)
                    .build();
            assertThat(restarted.deliverPending()).isEqualTo(3);

            assertThat(beforeCrash).containsExactlyElementsOf(records.subList(0, 2));
            assertThat(afterRestart).containsExactlyElementsOf(records);
        }

        @Test
        void startedRelayDeliversInTheBackgroundUntilClosed() throws Exception {
            java.util.concurrent.CountDownLatch delivered = new java.util.concurrent.CountDownLatch(3);
            try (OutboxRelay relay = OutboxRelay.builder(jdbcStore())
                    .listener(e -> delivered.countDown())
                    .build()) {
                relay.start(Duration.ofMillis(20));
                threeRecords("alice");
                assertThat(delivered.await(60, java.util.concurrent.TimeUnit.SECONDS))
                        .isTrue();
            }
        }

        @Test
        void aPassDrainsSomePartitionsAndTheNextPassesTakeTheOthersFirst() throws SQLException {
            // the tables outlive a test: forget the passes earlier tests' relays made
            sql("UPDATE " + db().table("outbox_partition") + " SET passed_at = NULL");
            List<String> subjects = java.util.stream.IntStream.range(0, 48)
                    .mapToObj(i -> "cust-" + i)
                    .toList();
            subjects.forEach(s ->
                    consents.record(ConsentCommand.grant(s, "marketing.email").build()));
            Set<Integer> partitionsOfSubjects = subjects.stream()
                    .map(s -> dev.consentkit.jdbc.internal.OutboxPartitions.of("default", s))
                    .collect(java.util.stream.Collectors.toSet());
            List<dev.consentkit.core.AuditEntry> received = new java.util.ArrayList<>();
            OutboxRelay relay = OutboxRelay.builder(jdbcStore())
                    .listener(received::add)
                    .partitionsPerPass(4)
                    .clock(clock)
                    .build();

            List<Set<Integer>> perPass = new java.util.ArrayList<>();
            for (int pass = 0; pass < 4; pass++) {
                int before = received.size();
                clock.advance(Duration.ofSeconds(1));
                relay.deliverPending();
                perPass.add(received.subList(before, received.size()).stream()
                        .map(e -> dev.consentkit.jdbc.internal.OutboxPartitions.of(
                                e.tenant(), e.subject().value()))
                        .collect(java.util.stream.Collectors.toSet()));
            }

            assertThat(partitionsOfSubjects)
                    .as("48 subjects spread over the partitions")
                    .hasSizeGreaterThan(8);
            perPass.forEach(p ->
                    assertThat(p).as("one pass drains at most 4 partitions").hasSizeLessThanOrEqualTo(4));
            for (int a = 0; a < 4; a++) {
                for (int b = a + 1; b < 4; b++) {
                    assertThat(java.util.Collections.disjoint(perPass.get(a), perPass.get(b)))
                            .as("passes rotate through the partitions")
                            .isTrue();
                }
            }
            assertThat(received).extracting(e -> e.subject().value()).containsExactlyInAnyOrderElementsOf(subjects);
        }

        @Test
        void threeRelaysOnOneDatabaseDeliverEveryEntryOnceNeverConcurrentlyAndInChainOrderPerSubject()
                throws Exception {
            int subjects = 24;
            java.util.Queue<dev.consentkit.core.AuditEntry> received =
                    new java.util.concurrent.ConcurrentLinkedQueue<>();
            Set<java.util.UUID> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
            List<OutboxRelay> relays = java.util.stream.IntStream.range(0, 3)
                    .mapToObj(r -> OutboxRelay.builder(db().storeBuilder().build())
                            .name("relay-" + r)
                            .partitionsPerPass(3)
                            .listener(e -> {
                                if (!inFlight.add(e.id())) {
                                    overlaps.incrementAndGet();
                                }
                                Thread.yield();
                                received.add(e);
                                inFlight.remove(e.id());
                            })
                            .build())
                    .toList();
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(5);
            try {
                List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
                for (OutboxRelay relay : relays) {
                    running.add(pool.submit(() -> {
                        while (writing.get() || relay.backlog().depth() > 0) {
                            try {
                                relay.deliverPending();
                            } catch (ConsentStoreException e) {
                                // H2 has no SKIP LOCKED: a relay may time out waiting for another's partitions
                            }
                        }
                        return null;
                    }));
                }
                List<java.util.concurrent.Future<?>> writers = new java.util.ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int writer = w;
                    writers.add(pool.submit(() -> {
                        for (int round = 0; round < 3; round++) {
                            for (int s = writer; s < subjects; s += 2) {
                                consents.record(ConsentCommand.grant("cust-" + s, "marketing.email")
                                        .build());
                                consents.record(ConsentCommand.withdraw("cust-" + s, "marketing.email")
                                        .build());
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : writers) {
                    f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                }
                writing.set(false);
                for (java.util.concurrent.Future<?> f : running) {
                    f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                writing.set(false);
                pool.shutdownNow();
            }

            assertThat(overlaps).hasValue(0);
            assertThat(received).hasSize(subjects * 6);
            assertThat(received).extracting(dev.consentkit.core.AuditEntry::id).doesNotHaveDuplicates();
            Map<String, List<Long>> sequences = new java.util.HashMap<>();
            received.forEach(e -> sequences
                    .computeIfAbsent(e.subject().value(), k -> new java.util.ArrayList<>())
                    .add(e.link().sequence()));
            sequences.forEach(
                    (subject, seqs) -> assertThat(seqs).as(subject).isSorted().hasSize(6));
            assertThat(count("outbox")).isZero();
        }

        @Test
        void aPublisherGetsTheBatchAndAFailureKeepsAllOfItForTheNextAttempt() throws SQLException {
            List<ConsentRecord> alice = threeRecords("alice");
            List<List<dev.consentkit.core.AuditEntry>> batches = new java.util.ArrayList<>();
            AtomicInteger failures = new AtomicInteger(1);
            OutboxRelay relay = OutboxRelay.builder(jdbcStore())
                    .clock(clock)
                    .name("broker")
                    .partitionsPerPass(16)
                    .initialBackoff(Duration.ofSeconds(5))
                    .publisher(entries -> {
                        batches.add(entries);
                        if (failures.getAndDecrement() > 0) {
                            throw new java.io.IOException("broker unavailable");
                        }
                    })
                    .build();

            assertThat(relay.deliverPending()).isZero();
            assertThat(count("outbox")).isEqualTo(3);
            assertThat(relay.backlog().depth()).isEqualTo(3);
            assertThat(relay.deliverPending()).as("backing off").isZero();
            assertThat(batches).hasSize(1);
            clock.advance(Duration.ofSeconds(5));
            assertThat(relay.deliverPending()).isEqualTo(3);

            assertThat(batches).hasSize(2);
            assertThat(batches.get(0)).containsExactlyElementsOf(alice);
            assertThat(batches.get(1)).containsExactlyElementsOf(alice);
            assertThat(relay.backlog()).isEqualTo(new OutboxBacklog(0, java.util.Optional.empty()));
        }

        @Test
        void theBacklogCountsWaitingEntriesAndTheOldestOnesAge() {
            OutboxRelay relay = OutboxRelay.builder(
                            db().storeBuilder().clock(clock).build())
                    .clock(clock)
                    .publisher(entries -> {})
                    .build();
            assertThat(relay.backlog()).isEqualTo(new OutboxBacklog(0, java.util.Optional.empty()));
            threeRecords("alice");
            clock.advance(Duration.ofSeconds(30));

            OutboxBacklog backlog = relay.backlog();

            assertThat(backlog.depth()).isEqualTo(3);
            assertThat(backlog.oldest())
                    .hasValueSatisfying(
                            age -> assertThat(age).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(33)));
        }

        @Test
        void aRelayNeedsExactlyOneListenerOrPublisher() {
            assertThatThrownBy(() -> OutboxRelay.builder(jdbcStore()).build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("listener");
            assertThatThrownBy(() -> OutboxRelay.builder(jdbcStore())
                            .listener(e -> {})
                            .publisher(entries -> {})
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("publisher");
            assertThatThrownBy(() -> OutboxRelay.builder(jdbcStore())
                            .listener(e -> {})
                            .partitionsPerPass(17)
                            .build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("partitionsPerPass");
        }
    }

    @Nested
    class Schema {

        @Test
        void everyPurposeVersionTheManagersDeclaredIsSavedAndReadBackExactly() {
            Purpose tricky = Purpose.builder("marketing.email")
                    .version(2)
                    .basis(LegalBasis.CONSENT)
                    .title("Newsletter\tv2")
                    .description("line one\nline two \\ backslash")
                    .dataCategories("email", "name\nsurname")
                    .validFor(java.time.Period.ofMonths(6))
                    .reconsentFromVersion(2)
                    .directMarketing(true)
                    .text(java.util.Locale.GERMANY, "Titel", "Beschreibung\tmit Tab")
                    .build();
            consents.savePurposes();
            ConsentManager.builder()
                    .purposes(NEWSLETTER, tricky, ANALYTICS)
                    .store(store)
                    .clock(clock)
                    .build()
                    .savePurposes();

            List<Purpose> saved = ((JdbcConsentStore) store).savedPurposes("default");

            assertThat(saved)
                    .contains(NEWSLETTER, tricky, ANALYTICS, MARKETING, AD_SALE, BILLING)
                    .hasSize(6);
            assertThat(((JdbcConsentStore) store).savedPurposes("other-tenant")).isEmpty();
        }

        @Test
        void recipientsLiveInTheDeclarationOnlyAndARedeclarationWithThemIsNoConflict() {
            Purpose named = Purpose.builder("ads.partners")
                    .basis(LegalBasis.CONSENT)
                    .saleOrShare(true)
                    .recipients("Ad partner GmbH", "Measure Ltd")
                    .build();
            ConsentManager.builder()
                    .purposes(NEWSLETTER, named)
                    .store(store)
                    .clock(clock)
                    .build()
                    .savePurposes();
            ConsentManager again = ConsentManager.builder()
                    .purposes(NEWSLETTER, named)
                    .store(store)
                    .clock(clock)
                    .build();
            again.savePurposes();

            List<Purpose> saved = ((JdbcConsentStore) store).savedPurposes("default");

            assertThat(saved).contains(named.withRecipients(List.of())).doesNotContain(named);
            assertThat(again.purposes().require(named.id()).recipients())
                    .containsExactly("Ad partner GmbH", "Measure Ltd");
        }

        @Test
        void createSchemaIfMissingIsRepeatable() {
            JdbcConsentStore store = db().storeBuilder().build();
            store.createSchemaIfMissing();
            assertThat(store.dialect()).isEqualTo(db().dialect);
        }

        @Test
        void flywayMigrationsAreTheVersion1ScriptUnchangedAndTheMigrationTo2() throws Exception {
            String platform = db().dialect.platform();
            // V1__ must keep the checksum Flyway recorded when it was applied: the version-1 script, byte for byte
            assertThat(resource("db/migration/consentkit/" + platform + "/V1__consentkit_schema.sql"))
                    .isEqualTo(resource("schema-v1/schema-" + platform + ".sql"))
                    .contains("(version 1)");
            assertThat(resource("db/migration/consentkit/" + platform + "/V2__consentkit_schema_2.sql"))
                    .isEqualTo(resource("dev/consentkit/jdbc/migrate-1-to-2-" + platform + ".sql"))
                    .contains("ALTER TABLE consent_state");
        }

        @Test
        void historyStreamReleasesItsConnectionWhenClosed() {
            threeRecords("cust-1");
            for (int i = 0; i < 30; i++) { // more than the pool holds: a leak would time out
                try (Stream<ConsentRecord> s = consents.history(HistoryQuery.forSubject("cust-1"))) {
                    assertThat(s.limit(1)).hasSize(1);
                }
            }
            assertThat(db().dataSource.getHikariPoolMXBean().getActiveConnections())
                    .isZero();
        }

        @Test
        void audienceStreamsReleaseTheirConnectionWhenClosed() {
            for (int i = 0; i < 5; i++) {
                consents.record(
                        ConsentCommand.grant("cust-" + i, "marketing.email").build());
            }
            for (int i = 0; i < 30; i++) { // more than the pool holds: a leak would time out
                String purpose = i % 2 == 0 ? "marketing.email" : "analytics"; // the consent and the every-subject form
                try (Stream<SubjectId> s = consents.allowedSubjects(purpose)) {
                    assertThat(s.limit(1)).hasSize(1);
                }
            }
            assertThat(db().dataSource.getHikariPoolMXBean().getActiveConnections())
                    .isZero();
        }

        @Test
        void unreachableDatabaseIsReportedWithTheOperation() {
            DataSource broken = failingConnections();
            JdbcConsentStore store = JdbcConsentStore.builder()
                    .dataSource(broken)
                    .dialect(db().dialect)
                    .build();
            assertThatThrownBy(() -> store.state("default", SubjectId.of("cust-1")))
                    .isInstanceOf(ConsentStoreException.class)
                    .satisfies(e ->
                            assertThat(((ConsentStoreException) e).operation()).isEqualTo("state"));
        }

        private String resource(String name) throws Exception {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(name)) {
                assertThat(in).as(name).isNotNull();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /** A DataSource handing out {@code c} without letting the store close it. */
    static DataSource sameConnection(Connection c) {
        Connection unclosable = (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    return invoke(c, method, args);
                });
        return dataSource(() -> unclosable);
    }

    /**
     * A DataSource over the test database whose connections throw a connection-failure SQLException at the
     * {@code failAt}-th executed statement; {@code counter} counts the statements executed while it is not
     * negative (set it to 0 once the manager is built, so that its start-up reads are not counted).
     */
    DataSource failingAfter(int failAt, AtomicInteger counter) {
        DataSource real = db().dataSource;
        return dataSource(() -> {
            Connection c = real.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        Object result = invoke(c, method, args);
                        if (result instanceof PreparedStatement ps
                                && method.getName().equals("prepareStatement")) {
                            return Proxy.newProxyInstance(
                                    PreparedStatement.class.getClassLoader(),
                                    new Class<?>[] {PreparedStatement.class},
                                    (p, m, a) -> {
                                        if (m.getName().startsWith("execute")
                                                && counter.get() >= 0
                                                && counter.incrementAndGet() >= failAt) {
                                            throw new SQLException("simulated connection loss", "08006");
                                        }
                                        return invoke(ps, m, a);
                                    });
                        }
                        return result;
                    });
        });
    }

    /**
     * A DataSource over the test database whose commits, while {@code counter} is not negative, fail with a
     * connection-failure SQLException for the first {@code lost} of them (counted in {@code counter}): after
     * committing when {@code afterCommitting}, else after rolling back, as a connection cut while the commit was
     * in flight would, on either side of the server's commit.
     */
    DataSource losingCommits(AtomicInteger counter, boolean afterCommitting, int lost) {
        DataSource real = db().dataSource;
        return dataSource(() -> {
            Connection c = real.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("commit") && counter.get() >= 0 && counter.get() < lost) {
                            counter.incrementAndGet();
                            if (afterCommitting) {
                                c.commit();
                            } else {
                                c.rollback();
                            }
                            throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                        }
                        return invoke(c, method, args);
                    });
        });
    }

    static DataSource failingConnections() {
        return dataSource(() -> {
            throw new SQLException("connection refused", "08001");
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @FunctionalInterface
    interface ConnectionSupplier {
        Connection get() throws SQLException;
    }

    static DataSource dataSource(ConnectionSupplier supplier) {
        return new DataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                return supplier.get();
            }

            @Override
            public Connection getConnection(String username, String password) throws SQLException {
                return supplier.get();
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {}

            @Override
            public void setLoginTimeout(int seconds) {}

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) throws SQLException {
                throw new SQLException("not a wrapper");
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        };
    }

    @Nested
    class TimestampRange {

        private List<ConsentRecord> between(Instant from, Instant to) {
            try (Stream<ConsentRecord> s = consents.history(
                    HistoryQuery.builder().recordedFrom(from).recordedTo(to).build())) {
                return s.toList();
            }
        }

        @Test
        void entriesAtTheFirstAndLastInstantTheDatabaseHoldsAreFoundByEveryBound() throws SQLException {
            SqlStatements statements = SqlStatements.of(db().dialect, Tables.of(db().schema, db().prefix));
            Instant earliest = statements.earliestStorable();
            Instant latest = statements.latestStorable();
            threeRecords("cust-1");
            List<String> ids =
                    historyOf("cust-1").stream().map(r -> r.id().toString()).toList();
            try (Connection c = db().dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "UPDATE " + db().table("log") + " SET recorded_at = ? WHERE entry_id = ?")) {
                statements.bindInstant(ps, 1, earliest);
                ps.setString(2, ids.get(0));
                assertThat(ps.executeUpdate()).isEqualTo(1);
                statements.bindInstant(ps, 1, latest);
                ps.setString(2, ids.get(2));
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            assertThat(historyOf("cust-1").get(0).recordedAt()).isEqualTo(earliest);
            assertThat(historyOf("cust-1").get(2).recordedAt()).isEqualTo(latest);

            assertThat(between(Instant.MIN, Instant.MAX)).hasSize(3);
            assertThat(between(earliest, Instant.MAX)).hasSize(3);
            assertThat(between(earliest.plusNanos(1000), Instant.MAX)).hasSize(2);
            assertThat(between(latest, Instant.MAX))
                    .extracting(r -> r.id().toString())
                    .containsExactly(ids.get(2));
            assertThat(between(latest.plusNanos(1000), Instant.MAX)).isEmpty();
            assertThat(between(Instant.MIN, latest)).hasSize(2);
            assertThat(between(Instant.MIN, earliest.plusNanos(1000)))
                    .extracting(r -> r.id().toString())
                    .containsExactly(ids.get(0));
            assertThat(between(Instant.MIN, earliest)).isEmpty();
        }
    }
}
