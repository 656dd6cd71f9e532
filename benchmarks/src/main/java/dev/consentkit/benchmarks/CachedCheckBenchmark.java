package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionCache;
import dev.consentkit.jdbc.JdbcChangeFeed;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The decision cache: {@code check} on PostgreSQL with every subject cached (a hit, the change feed listening)
 * against {@code check} on the in-memory store, same subjects and statements, same run. Target: the cached check at
 * least half as fast as the in-memory one. The PostgreSQL data lives in a schema of its own, created and dropped
 * by the benchmark.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class CachedCheckBenchmark {

    /** Both managers, with the same statements. */
    @State(Scope.Benchmark)
    public static class Data {
        /** Subjects (five statements each), all cached. */
        @Param("10000")
        public int cacheSubjects;

        HikariDataSource ds;
        String schema;
        JdbcChangeFeed feed;
        ConsentManager cached;
        ConsentManager inMemory;
        String[] subjects;

        @Setup(Level.Trial)
        public void setUp() throws SQLException {
            ds = BenchData.postgres(4);
            schema = "ckbench_cache_" + Long.toString(System.nanoTime(), 36);
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            }
            JdbcConsentStore store = JdbcConsentStore.builder()
                    .dataSource(ds)
                    .schema(schema)
                    .notifyChanges(true)
                    .build();
            store.createSchemaIfMissing();
            feed = JdbcChangeFeed.builder(store).build();
            cached = ConsentManager.builder()
                    .purposes(BenchData.purposes())
                    .store(store)
                    .cache(DecisionCache.builder()
                            .changeFeed(feed)
                            .maxSize(cacheSubjects * 2L)
                            .build())
                    .build();
            subjects = BenchData.recordEveryPurpose(cached, cacheSubjects);
            inMemory = ConsentManager.builder().purposes(BenchData.purposes()).build();
            BenchData.recordEveryPurpose(inMemory, cacheSubjects);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!feed.live() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (!feed.live()) {
                throw new IllegalStateException("the change feed did not start");
            }
            for (String s : subjects) { // warm: every subject cached
                cached.check(s, "marketing.email");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException {
            feed.close();
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
            ds.close();
        }
    }

    /** Each thread's own walk over the subjects. */
    @State(Scope.Thread)
    public static class Cursor {
        private final SplittableRandom random = new SplittableRandom();

        String next(Data data) {
            return data.subjects[random.nextInt(data.subjects.length)];
        }
    }

    @Benchmark
    public boolean checkCachedPostgres(Data data, Cursor cursor) {
        return data.cached.check(cursor.next(data), "marketing.email").allowed();
    }

    @Benchmark
    public boolean checkInMemory(Data data, Cursor cursor) {
        return data.inMemory.check(cursor.next(data), "marketing.email").allowed();
    }
}
