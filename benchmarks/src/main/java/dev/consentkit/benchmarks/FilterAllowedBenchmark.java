package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.SubjectId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Benchmark 5: {@code filterAllowed} for a campaign audience of a tenth of the seeded subjects (100,000 out of
 * 1,000,000 in the full run), against a raw floor: one select of the candidates' grants on the purpose itself
 * with the candidates bound as an array (no hierarchy, no expiry, no re-consent rules). Also
 * {@code allowedSubjects}: the whole audience of the purpose streamed from the store without candidates (its
 * rate is the allowed count divided by the time), against a raw floor that streams the subjects with a grant on
 * the purpose itself through a cursor. Both floors read the state rows' own status column, never the log.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g"})
public class FilterAllowedBenchmark {

    /** The candidates and both sides. */
    @State(Scope.Benchmark)
    public static class Audience {
        HikariDataSource ds;
        ConsentManager consents;
        List<String> candidates;
        String rawSql;
        String rawAudienceSql;

        @Setup(Level.Trial)
        public void setUp() {
            ds = BenchData.postgres(4);
            int subjects = BenchData.seededSubjects(ds);
            consents = BenchData.manager(BenchData.postgresStore(ds), BenchData.TENANT);
            List<String> all = new ArrayList<>(subjects);
            for (int i = 0; i < subjects; i++) {
                all.add(BenchData.subject(i));
            }
            Collections.shuffle(all, new Random(42));
            candidates = List.copyOf(all.subList(0, subjects / 10));
            String s = BenchData.schema();
            // the floors read the state rows' own status column (schema version 2), as the store does; no log
            rawSql = "SELECT s.subject FROM " + s + ".consent_state s"
                    + " WHERE s.tenant = ? AND s.purpose_id = ? AND s.subject = ANY (?) AND s.status = 'GRANTED'";
            rawAudienceSql = "SELECT s.subject FROM " + s + ".consent_state s"
                    + " WHERE s.tenant = ? AND s.purpose_id = ? AND s.status = 'GRANTED'";
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ds.close();
        }
    }

    @Benchmark
    public Set<SubjectId> filterAllowedKit(Audience a) {
        return a.consents.filterAllowed("marketing.email", a.candidates);
    }

    @Benchmark
    public List<String> filterAllowedRaw(Audience a) throws SQLException {
        List<String> allowed = new ArrayList<>();
        try (Connection c = a.ds.getConnection();
                PreparedStatement ps = c.prepareStatement(a.rawSql)) {
            Array array = c.createArrayOf("varchar", a.candidates.toArray());
            ps.setString(1, BenchData.TENANT);
            ps.setString(2, "marketing.email");
            ps.setArray(3, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    allowed.add(rs.getString(1));
                }
            }
        }
        return allowed;
    }

    /**
     * The subjects streamed, counted as operations: JMH reports {@code subjects} as the average time per subject
     * streamed, beside the time per audience; the report turns it into subjects per second.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Streamed {
        public long subjects;
    }

    /** Every subject allowed for the purpose, streamed and counted (the stream is read to its end). */
    @Benchmark
    public long allowedSubjectsKit(Audience a, Streamed streamed) {
        try (Stream<SubjectId> s = a.consents.allowedSubjects("marketing.email")) {
            long n = s.count();
            streamed.subjects += n;
            return n;
        }
    }

    @Benchmark
    public long allowedSubjectsRaw(Audience a) throws SQLException {
        long count = 0;
        try (Connection c = a.ds.getConnection()) {
            c.setAutoCommit(false); // PostgreSQL streams with a cursor only inside a transaction
            try (PreparedStatement ps = c.prepareStatement(a.rawAudienceSql)) {
                ps.setFetchSize(500);
                ps.setString(1, BenchData.TENANT);
                ps.setString(2, "marketing.email");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(1) != null) {
                            count++;
                        }
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
        return count;
    }
}
