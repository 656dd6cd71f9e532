package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.SubjectConsents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 2: uncached {@code check} and {@code stateOf} on the seeded PostgreSQL data against the floor, one
 * raw prepared primary-key select on the same tables (state joined to log) through the same pool. Random
 * subjects out of all seeded ones, single thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class PostgresReadBenchmark {

    /** One pool, ConsentKit over it, and the raw statements. */
    @State(Scope.Benchmark)
    public static class Db {
        HikariDataSource ds;
        ConsentManager consents;
        int subjects;
        String checkSql;
        String stateSql;
        String allowedSql;

        @Setup(Level.Trial)
        public void setUp() {
            ds = BenchData.postgres(4);
            subjects = BenchData.seededSubjects(ds);
            consents = BenchData.manager(BenchData.postgresStore(ds), BenchData.TENANT);
            String s = BenchData.schema();
            checkSql = "SELECT l.status, l.purpose_version, l.expires_at FROM " + s + ".consent_state s JOIN " + s
                    + ".consent_log l ON l.entry_id = s.entry_id WHERE s.tenant = ? AND s.subject = ? AND s.purpose_id = ?";
            stateSql = "SELECT s.purpose_id, l.status, l.purpose_version, l.expires_at FROM " + s
                    + ".consent_state s JOIN " + s
                    + ".consent_log l ON l.entry_id = s.entry_id WHERE s.tenant = ? AND s.subject = ?";
            allowedSql = "SELECT s.status, s.expires_at FROM " + s
                    + ".consent_state s WHERE s.tenant = ? AND s.subject = ? AND s.purpose_id = ?";
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ds.close();
        }

        String randomSubject(SplittableRandom random) {
            return BenchData.subject(random.nextInt(subjects));
        }
    }

    /** Each thread's random subjects. */
    @State(Scope.Thread)
    public static class Random {
        final SplittableRandom random = new SplittableRandom();
    }

    @Benchmark
    public boolean checkKit(Db db, Random r) {
        return db.consents.check(db.randomSubject(r.random), "marketing.email").allowed();
    }

    /** The floor for check: the subject's statement on the purpose by primary key, nothing decided. */
    @Benchmark
    public String checkRaw(Db db, Random r) throws SQLException {
        return firstColumn(db, db.checkSql, r);
    }

    /** {@code allowed}: the same question as {@code check}, answered from the state rows' deciding columns alone. */
    @Benchmark
    public boolean allowedKit(Db db, Random r) {
        return db.consents.allowed(db.randomSubject(r.random), "marketing.email");
    }

    /** The floor for allowed: the subject's state row for the purpose by primary key, its status, nothing decided. */
    @Benchmark
    public String allowedRaw(Db db, Random r) throws SQLException {
        return firstColumn(db, db.allowedSql, r);
    }

    /** A random subject's row of {@code sql} on "marketing.email" by primary key: its first column, or null. */
    private static String firstColumn(Db db, String sql, Random r) throws SQLException {
        try (Connection c = db.ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, BenchData.TENANT);
            ps.setString(2, db.randomSubject(r.random));
            ps.setString(3, "marketing.email");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Benchmark
    public SubjectConsents stateOfKit(Db db, Random r) {
        return db.consents.stateOf(db.randomSubject(r.random));
    }

    /** The floor for stateOf: all of the subject's statements by primary-key prefix, nothing decided. */
    @Benchmark
    public int stateOfRaw(Db db, Random r) throws SQLException {
        try (Connection c = db.ds.getConnection();
                PreparedStatement ps = c.prepareStatement(db.stateSql)) {
            ps.setString(1, BenchData.TENANT);
            ps.setString(2, db.randomSubject(r.random));
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n += rs.getString(2).length() + rs.getInt(3);
                    rs.getObject(4);
                }
            }
            return n;
        }
    }
}
