package dev.consentkit.benchmarks;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentStatus;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Heap taken by the in-memory store per current-state entry: records {@code entries} statements (subjects times
 * five purposes, one record each) through {@code recordAll} and compares the heap in use after full collections
 * before and after. The store keeps the audit log as well, so this is the whole cost of an entry. For scale, the
 * same for a {@link ConcurrentHashMap} of precomputed decisions. Arguments: entries, output JSON file.
 */
public final class MemoryFootprint {

    private MemoryFootprint() {}

    public static void main(String[] args) throws Exception {
        int entries = Integer.parseInt(args[0]);
        int subjects = entries / BenchData.PURPOSE_IDS.size();
        long start = System.nanoTime();
        long base = usedAfterGc();
        ConsentManager consents =
                ConsentManager.builder().purposes(BenchData.purposes()).build();
        BenchData.recordEveryPurpose(consents, subjects);
        double seconds = (System.nanoTime() - start) / 1e9;
        long kit = usedAfterGc() - base;
        long withKit = usedAfterGc();
        ConcurrentHashMap<InMemoryCheckBenchmark.Key, Boolean> map = new ConcurrentHashMap<>();
        for (int i = 0; i < subjects; i++) {
            for (int p = 0; p < BenchData.PURPOSE_IDS.size(); p++) {
                map.put(
                        new InMemoryCheckBenchmark.Key(BenchData.subject(i), BenchData.PURPOSE_IDS.get(p)),
                        BenchData.status(i, p + BenchData.PURPOSE_IDS.size()) == ConsentStatus.GRANTED);
            }
        }
        long mapBytes = usedAfterGc() - withKit;
        String json = String.format(
                Locale.ROOT,
                "{\"entries\": %d, \"subjects\": %d, \"kitBytes\": %d,"
                        + " \"kitBytesPerEntry\": %.1f, \"mapBytes\": %d, \"mapBytesPerEntry\": %.1f, \"recordSeconds\": %.1f}%n",
                (long) subjects * BenchData.PURPOSE_IDS.size(),
                subjects,
                kit,
                (double) kit / entries,
                mapBytes,
                (double) mapBytes / entries,
                seconds);
        Files.writeString(Path.of(args[1]), json);
        System.out.print(json);
        // both stay reachable until measured
        java.lang.ref.Reference.reachabilityFence(consents);
        java.lang.ref.Reference.reachabilityFence(map);
    }

    private static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
