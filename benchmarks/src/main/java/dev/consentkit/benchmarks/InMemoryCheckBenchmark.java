package dev.consentkit.benchmarks;

import dev.consentkit.core.ConsentManager;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Benchmark 1: {@code check} and the allocation-free {@code allowed} with the in-memory store against the floor, a
 * {@link ConcurrentHashMap} lookup of a precomputed decision, in the same run, on one and two threads. Subjects have five purposes each (hierarchy
 * {@code marketing > marketing.email}); the checked purpose is {@code marketing.email}.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class InMemoryCheckBenchmark {

    /** The decisions and the manager that made them. */
    @State(Scope.Benchmark)
    public static class Data {
        /** Number of subjects in the store (five statements each). */
        @Param("100000")
        public int memSubjects;

        ConsentManager consents;
        String[] subjects;
        final ConcurrentHashMap<Key, Boolean> decisions = new ConcurrentHashMap<>();

        @Setup(Level.Trial)
        public void setUp() {
            consents = ConsentManager.builder().purposes(BenchData.purposes()).build();
            subjects = BenchData.recordEveryPurpose(consents, memSubjects);
            for (String s : subjects) {
                boolean allowed = consents.check(s, "marketing.email").allowed();
                if (consents.allowed(s, "marketing.email") != allowed) {
                    throw new IllegalStateException("allowed and check disagree");
                }
                decisions.put(new Key(s, "marketing.email"), allowed);
            }
        }
    }

    /** A precomputed decision's key, as a hand-rolled cache would hold it. */
    record Key(String subject, String purpose) {}

    /** Each thread's own walk over the subjects. */
    @State(Scope.Thread)
    public static class Cursor {
        private final SplittableRandom random = new SplittableRandom();

        String next(Data data) {
            return data.subjects[random.nextInt(data.subjects.length)];
        }
    }

    @Benchmark
    public boolean checkKit(Data data, Cursor cursor) {
        return data.consents.check(cursor.next(data), "marketing.email").allowed();
    }

    @Benchmark
    public boolean allowedKit(Data data, Cursor cursor) {
        return data.consents.allowed(cursor.next(data), "marketing.email");
    }

    @Benchmark
    public Boolean checkMap(Data data, Cursor cursor) {
        return data.decisions.get(new Key(cursor.next(data), "marketing.email"));
    }

    @Benchmark
    @Threads(2)
    public boolean checkKit2Threads(Data data, Cursor cursor) {
        return data.consents.check(cursor.next(data), "marketing.email").allowed();
    }

    @Benchmark
    @Threads(2)
    public boolean allowedKit2Threads(Data data, Cursor cursor) {
        return data.consents.allowed(cursor.next(data), "marketing.email");
    }

    @Benchmark
    @Threads(2)
    public Boolean checkMap2Threads(Data data, Cursor cursor) {
        return data.decisions.get(new Key(cursor.next(data), "marketing.email"));
    }
}
