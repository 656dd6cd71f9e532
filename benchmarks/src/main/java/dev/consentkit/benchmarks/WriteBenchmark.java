package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmarks 3 and 4 on PostgreSQL and MariaDB: {@code record} one at a time (each in its own transaction) on
 * existing subjects, and {@code recordAll} of batches of new subjects, each against raw JDBC writing the same
 * rows. The two sides write to tenants of their own in the same tables ({@link BenchData#WRITE_KIT} and
 * {@link BenchData#WRITE_RAW} for single writes, {@link BenchData#BATCH_KIT} and {@link BenchData#BATCH_RAW} for
 * batches); single writes alternate grant and withdrawal of {@code marketing.email} on random seeded subjects.
 */
@Fork(1)
public class WriteBenchmark {

    /** Records per batch. */
    static final int BATCH = 1000;

    /** The database under test. */
    @State(Scope.Benchmark)
    public static class Db {
        @Param({"postgresql", "mariadb"})
        public String database;

        HikariDataSource ds;
        ConsentManager writeKit;
        ConsentManager batchKit;
        RawJdbc raw;
        int pool;
        String run;
        int nextKit;
        int nextRaw;

        @Setup(Level.Trial)
        public void setUp() throws SQLException {
            JdbcConsentStore store;
            if (database.equals("postgresql")) {
                ds = BenchData.postgres(4);
                BenchData.seededSubjects(ds);
                store = BenchData.postgresStore(ds);
                raw = new RawJdbc(BenchData.schema() + ".consent_", true);
            } else {
                ds = BenchData.mariadb(4);
                store = BenchData.mariadbStore(ds);
                raw = new RawJdbc(BenchData.mariaPrefix(), false);
            }
            writeKit = BenchData.manager(store, BenchData.WRITE_KIT);
            batchKit = BenchData.manager(store, BenchData.BATCH_KIT);
            String subjectTable = database.equals("postgresql")
                    ? BenchData.schema() + ".consent_subject"
                    : BenchData.mariaPrefix() + "subject";
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT COUNT(*) FROM " + subjectTable + " WHERE tenant = '" + BenchData.WRITE_RAW + "'")) {
                rs.next();
                pool = rs.getInt(1);
            }
            if (pool == 0) {
                throw new IllegalStateException("no seeded write subjects on " + database + ": run benchmarks/run.sh");
            }
            // every run adds rows to the write tenants; this PostgreSQL runs without autovacuum, so without fresh
            // statistics the planner soon filters a write tenant's whole range for the 1,000 keys a batch locks
            if (database.equals("postgresql")) {
                try (Connection c = ds.getConnection();
                        Statement st = c.createStatement()) {
                    for (String table : List.of("subject", "state", "log", "outbox")) {
                        st.execute("ANALYZE " + BenchData.schema() + ".consent_" + table);
                    }
                }
            }
            run = Long.toString(System.currentTimeMillis(), 36);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ds.close();
        }

        List<String> newSubjects(String side) {
            List<String> subjects = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                subjects.add("b-" + run + "-" + (side.equals("kit") ? nextKit++ : nextRaw++));
            }
            return subjects;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ConsentRecord recordKit(Db db, Alternating choice) {
        String subject = BenchData.subject(choice.random.nextInt(db.pool));
        ConsentCommand.Builder b = choice.grant()
                ? ConsentCommand.grant(subject, "marketing.email")
                : ConsentCommand.withdraw(subject, "marketing.email");
        return db.writeKit.record(b.evidence(BenchData.evidence()).build());
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void recordRaw(Db db, Alternating choice) throws SQLException {
        String subject = BenchData.subject(choice.random.nextInt(db.pool));
        try (Connection c = db.ds.getConnection()) {
            db.raw.recordOne(
                    c, BenchData.WRITE_RAW, subject, "marketing.email", choice.grant() ? "GRANTED" : "WITHDRAWN");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public List<ConsentRecord> recordAllKit(Db db) {
        List<ConsentCommand> commands = new ArrayList<>(BATCH);
        for (String s : db.newSubjects("kit")) {
            commands.add(ConsentCommand.grant(s, "marketing.email")
                    .evidence(BenchData.evidence())
                    .build());
        }
        return db.batchKit.recordAll(commands);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void recordAllRaw(Db db) throws SQLException {
        List<String> subjects = db.newSubjects("raw");
        try (Connection c = db.ds.getConnection()) {
            db.raw.insertBatch(c, BenchData.BATCH_RAW, subjects, "marketing.email");
        }
    }
}
