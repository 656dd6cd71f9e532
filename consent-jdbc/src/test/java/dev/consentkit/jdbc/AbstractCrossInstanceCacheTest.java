package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.internal.CachingConsentStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application instances on one database, each with its own pool, store and manager; the reader's decision cache
 * follows the database through a {@link JdbcChangeFeed}. Subclasses name the database. Prints the time from one
 * instance's commit to the other's first check that sees it; asserts no timing beyond "eventually, within 5 s".
 */
abstract class AbstractCrossInstanceCacheTest {

    private static final Purpose EMAIL = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .build();
    private static final byte[] KEY = "cross-instance-pseudonym-key-0123".getBytes(StandardCharsets.UTF_8);
    private static final Duration EVENTUALLY = Duration.ofSeconds(5);

    protected TestDatabase db;
    private HikariDataSource otherPool;
    protected JdbcChangeFeed feed;
    protected ConsentManager writer;
    protected ConsentManager reader;

    protected abstract TestDatabase openDatabase();

    /** How the feed on this database learns of changes. */
    protected abstract JdbcChangeFeed.Mode mode();

    @BeforeEach
    void twoInstances() {
        db = openDatabase();
        db.storeBuilder().build().createSchemaIfMissing();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.dataSource.getJdbcUrl());
        config.setUsername(db.dataSource.getUsername());
        config.setPassword(db.dataSource.getPassword());
        config.setMaximumPoolSize(4);
        otherPool = new HikariDataSource(config);
        JdbcConsentStore writerStore = db.storeBuilder().notifyChanges(true).build();
        JdbcConsentStore readerStore = JdbcConsentStore.builder()
                .dataSource(otherPool)
                .schema(db.schema)
                .tablePrefix(db.prefix)
                .notifyChanges(true)
                .build();
        feed = JdbcChangeFeed.builder(readerStore)
                .pollInterval(Duration.ofMillis(20))
                .build();
        assertThat(feed.mode()).isEqualTo(mode());
        writer = manager(writerStore, DecisionCache.withDefaults());
        reader = manager(readerStore, DecisionCache.builder().changeFeed(feed).build());
        eventually(feed::live);
    }

    @AfterEach
    void close() {
        feed.close();
        otherPool.close();
        db.close();
    }

    private static ConsentManager manager(JdbcConsentStore store, DecisionCache cache) {
        return ConsentManager.builder()
                .purposes(EMAIL)
                .store(store)
                .pseudonymKey(KEY)
                .cache(cache)
                .build();
    }

    private static ConsentCommand grant(String subject) {
        return ConsentCommand.grant(subject, "marketing.email").build();
    }

    private static ConsentCommand withdraw(String subject) {
        return ConsentCommand.withdraw(subject, "marketing.email").build();
    }

    protected CachingConsentStore readerCache() {
        return (CachingConsentStore) reader.store();
    }

    protected DecisionReason readerSees(String subject) {
        return reader.check(subject, "marketing.email").reason();
    }

    protected static void eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + EVENTUALLY.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 5 s").isNegative();
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void theWritingInstanceReadsItsOwnWriteAndTheOtherSeesItAfterTheFeedDeliversIt() {
        writer.record(grant("cust-1"));
        assertThat(writer.check("cust-1", "marketing.email").allowed()).isTrue();
        eventually(() -> readerSees("cust-1") == DecisionReason.GRANTED);
        // the grant's own notification may still drop the value the reader just loaded: once it has arrived, the
        // reader's checks are answered from its cache, and say GRANTED
        eventually(this::readerAnswersFromItsCache);
        assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.GRANTED);

        writer.record(withdraw("cust-1"));

        assertThat(writer.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        eventually(() -> readerSees("cust-1") == DecisionReason.WITHDRAWN);
        eventually(this::readerAnswersFromItsCache);
        assertThat(readerSees("cust-1")).isEqualTo(DecisionReason.WITHDRAWN);
    }

    private boolean readerAnswersFromItsCache() {
        long before = readerCache().stats().hits();
        readerSees("cust-1");
        return readerCache().stats().hits() > before;
    }

    @Test
    void anErasureOnOneInstanceIsSeenOnTheOther() {
        writer.record(grant("cust-1"));
        eventually(() -> readerSees("cust-1") == DecisionReason.GRANTED);

        writer.erase("cust-1", "art17");

        eventually(() -> readerSees("cust-1") == DecisionReason.ERASED);
    }

    @Test
    void recordAllOnOneInstanceIsSeenForEverySubjectOnTheOther() {
        writer.recordAll(List.of(grant("a"), grant("b"), grant("c")));
        for (String s : List.of("a", "b", "c")) {
            eventually(() -> readerSees(s) == DecisionReason.GRANTED);
        }
        writer.recordAll(List.of(withdraw("a"), withdraw("b"), withdraw("c")));
        for (String s : List.of("a", "b", "c")) {
            eventually(() -> readerSees(s) == DecisionReason.WITHDRAWN);
        }
    }

    /** Prints p50/p99 of commit-to-visible on the other instance; asserts only that each write is seen. */
    @Test
    void stalenessAcrossInstances() {
        int writes = Integer.getInteger("consentkit.staleness.writes", 200);
        List<Long> micros = new ArrayList<>(writes);
        long hitsBefore = readerCache().stats().hits();
        for (int i = 0; i < writes; i++) {
            String subject = "s-" + (i % 20);
            boolean granting = (i / 20) % 2 == 0;
            readerSees(subject); // the reader holds the subject before the write
            writer.record(granting ? grant(subject) : withdraw(subject));
            long committed = System.nanoTime();
            DecisionReason expected = granting ? DecisionReason.GRANTED : DecisionReason.WITHDRAWN;
            long deadline = committed + EVENTUALLY.toNanos();
            while (readerSees(subject) != expected) {
                assertThat(System.nanoTime()).as("write %d seen within 5 s", i).isLessThan(deadline);
                // a short pause rather than a spin: on a small machine a spinning reader starves the feed's thread
                LockSupport.parkNanos(50_000);
            }
            micros.add((System.nanoTime() - committed) / 1_000);
        }
        Collections.sort(micros);
        System.out.printf(
                Locale.ROOT,
                "STALENESS %s %s: %d writes, commit to first check that sees it p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
                        + " reader hits %d%n",
                db.name,
                mode(),
                writes,
                micros.get(writes / 2) / 1000.0,
                micros.get((int) Math.ceil(writes * 0.99) - 1) / 1000.0,
                micros.get(writes - 1) / 1000.0,
                readerCache().stats().hits() - hitsBefore);
    }
}
