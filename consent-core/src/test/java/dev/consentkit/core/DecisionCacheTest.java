package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.internal.CachingConsentStore;
import dev.consentkit.core.spi.ChangeFeed;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The decision cache on the in-memory store: hits, read-your-writes, other instances through a change feed the test
 * drives, bypass while the feed is lost, and writes in a caller's transaction.
 */
class DecisionCacheTest {

    private static final String EMAIL = "marketing.email";

    private final InMemoryConsentStore shared = new InMemoryConsentStore();

    private static ConsentManager manager(ConsentStore store, DecisionCache cache) {
        return TestFixtures.manager()
                .store(store)
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY)
                .cache(cache)
                .build();
    }

    private static CachingConsentStore cacheOf(ConsentManager m) {
        return (CachingConsentStore) m.store();
    }

    private static ConsentCommand grant(String subject) {
        return ConsentCommand.grant(subject, EMAIL)
                .evidence(TestFixtures.webEvidence())
                .build();
    }

    private static ConsentCommand withdraw(String subject) {
        return ConsentCommand.withdraw(subject, EMAIL)
                .evidence(TestFixtures.webEvidence())
                .build();
    }

    /** A change feed the test drives, as a JDBC feed would from the database. */
    static final class ManualFeed implements ChangeFeed {
        final List<Listener> listeners = new ArrayList<>();

        @Override
        public Subscription subscribe(Listener listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        void changed(String subject) {
            listeners.forEach(l -> l.changed("default", SubjectId.of(subject)));
        }

        void lost() {
            listeners.forEach(Listener::lost);
        }

        void live() {
            listeners.forEach(Listener::live);
        }
    }

    @Nested
    class OneInstance {

        private ConsentManager consents;

        @BeforeEach
        void setUp() {
            consents = manager(shared, DecisionCache.withDefaults());
        }

        @Test
        void secondCheckOfASubjectIsAnsweredFromMemory() {
            consents.record(grant("cust-1"));
            assertThat(consents.check("cust-1", EMAIL).allowed()).isTrue();
            // no record on analytics: the check also looks the subject's erasure up (its pseudonym), once
            assertThat(consents.check("cust-1", "analytics").allowed()).isFalse();
            CachingConsentStore.Stats before = cacheOf(consents).stats();

            assertThat(consents.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(consents.check("cust-1", "analytics").allowed()).isFalse();

            CachingConsentStore.Stats after = cacheOf(consents).stats();
            assertThat(after.hits() - before.hits()).isEqualTo(3);
            assertThat(after.misses()).isEqualTo(before.misses());
        }

        @Test
        void aSubjectWithoutRecordsIsCachedToo() {
            assertThat(consents.check("nobody", EMAIL).reason()).isEqualTo(DecisionReason.NO_RECORD);
            long misses = cacheOf(consents).stats().misses();
            assertThat(consents.check("nobody", EMAIL).reason()).isEqualTo(DecisionReason.NO_RECORD);
            assertThat(cacheOf(consents).stats().misses()).isEqualTo(misses);
        }

        @Test
        void theWritingInstanceReadsItsOwnWrite() {
            consents.record(grant("cust-1"));
            assertThat(consents.check("cust-1", EMAIL).allowed()).isTrue();

            consents.record(withdraw("cust-1"));

            assertThat(consents.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        @Test
        void recordAllDropsEverySubjectItWrote() {
            consents.recordAll(List.of(grant("a"), grant("b"), grant("c")));
            List.of("a", "b", "c")
                    .forEach(s -> assertThat(consents.check(s, EMAIL).allowed()).isTrue());

            consents.recordAll(List.of(withdraw("a"), withdraw("c")));

            assertThat(consents.check("a", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.check("b", EMAIL).reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.check("c", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.filterAllowed(EMAIL, List.of("a", "b", "c"))).containsExactly(SubjectId.of("b"));
        }

        @Test
        void eraseDropsTheSubjectAndItsPseudonym() {
            consents.record(grant("cust-1"));
            assertThat(consents.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(consents.check("cust-1", "profiling").allowed()).isTrue();

            consents.erase("cust-1", "art17");

            assertThat(consents.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(consents.check("cust-1", "profiling").reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(consents.stateOf("cust-1")
                            .decisions()
                            .get(PurposeId.of(EMAIL))
                            .reason())
                    .isEqualTo(DecisionReason.ERASED);
        }

        @Test
        void filterAllowedUsesHitsAndReadsOnlyTheMisses() {
            consents.recordAll(List.of(grant("a"), grant("b")));
            assertThat(consents.check("a", EMAIL).allowed()).isTrue();
            CachingConsentStore.Stats before = cacheOf(consents).stats();

            assertThat(consents.filterAllowed(EMAIL, List.of("a", "b", "c")))
                    .containsExactly(SubjectId.of("a"), SubjectId.of("b"));

            CachingConsentStore.Stats after = cacheOf(consents).stats();
            assertThat(after.hits() - before.hits()).isEqualTo(1);
            assertThat(after.misses() - before.misses()).isEqualTo(2);
        }

        @Test
        void verifyComparesWithTheStoreNotTheCache() {
            consents.record(grant("cust-1"));
            consents.check("cust-1", EMAIL);
            assertThat(consents.verify().intact()).isTrue();
        }
    }

    @Nested
    class TwoInstances {

        private final ManualFeed feed = new ManualFeed();
        private ConsentManager writer;
        private ConsentManager reader;

        @BeforeEach
        void setUp() {
            writer = manager(shared, DecisionCache.withDefaults());
            reader = manager(shared, DecisionCache.builder().changeFeed(feed).build());
        }

        @Test
        void untilTheFeedIsLiveEveryReadGoesToTheStore() {
            writer.record(grant("cust-1"));
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            writer.record(withdraw("cust-1"));

            assertThat(reader.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(cacheOf(reader).stats().hits()).isZero();
            assertThat(cacheOf(reader).stats().bypasses()).isEqualTo(2);
        }

        @Test
        void anotherInstancesWriteIsSeenOnceTheFeedDeliversIt() {
            feed.live();
            writer.record(grant("cust-1"));
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            writer.record(withdraw("cust-1"));
            // not delivered yet: the reader still holds the grant (bounded by the maximum staleness)
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();

            feed.changed("cust-1");

            assertThat(reader.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        @Test
        void aLostFeedBypassesTheCacheUntilItIsLiveAgain() {
            feed.live();
            writer.record(grant("cust-1"));
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(cacheOf(reader).stats().hits()).isEqualTo(1);

            feed.lost();
            writer.record(withdraw("cust-1")); // its change is missed: the feed is down

            assertThat(reader.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(cacheOf(reader).trusted()).isFalse();
            assertThat(cacheOf(reader).stats().bypasses()).isEqualTo(1);

            writer.record(grant("cust-1"));
            feed.live(); // everything held is dropped
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(reader.check("cust-1", EMAIL).allowed()).isTrue();
            assertThat(cacheOf(reader).stats().hits()).isEqualTo(2);
        }
    }

    @Test
    void aReadUnderWayWhenAWriteCommitsDoesNotPutTheOlderStateBack() throws Exception {
        CountDownLatch readDone = new CountDownLatch(1);
        CountDownLatch writeDone = new CountDownLatch(1);
        AtomicBoolean holdNextRead = new AtomicBoolean();
        ConsentStore slowReads = new ForwardingStore(shared) {
            @Override
            public Optional<SubjectState> state(String tenant, SubjectId subject) {
                Optional<SubjectState> s = super.state(tenant, subject);
                if (holdNextRead.compareAndSet(true, false)) {
                    readDone.countDown();
                    await(writeDone); // the write commits and drops the subject while this read holds the old state
                }
                return s;
            }
        };
        ConsentManager consents = manager(slowReads, DecisionCache.withDefaults());
        consents.record(grant("cust-1"));
        holdNextRead.set(true);

        CompletableFuture<ConsentDecision> read = CompletableFuture.supplyAsync(() -> consents.check("cust-1", EMAIL));
        await(readDone);
        consents.record(withdraw("cust-1"));
        writeDone.countDown();

        assertThat(read.get(5, TimeUnit.SECONDS).allowed()).isTrue(); // it read before the write: fine
        assertThat(consents.check("cust-1", EMAIL).reason()).isEqualTo(DecisionReason.WITHDRAWN);
    }

    @Test
    void aWriteInTheCallersTransactionIsReadThroughUntilTheHookReportsTheCommit() {
        AtomicBoolean inTransaction = new AtomicBoolean(true);
        ConsentStore joining = new ForwardingStore(shared) {
            @Override
            public boolean joinsCallerTransaction() {
                return inTransaction.get();
            }
        };
        List<Runnable> afterCommit = new ArrayList<>();
        CommitHook hook = action -> afterCommit.add(action);
        ConsentManager consents = TestFixtures.manager()
                .store(joining)
                .commitHook(hook)
                .cache(DecisionCache.withDefaults())
                .build();

        consents.record(grant("cust-1"));
        consents.check("cust-1", EMAIL);
        consents.check("cust-1", EMAIL);
        assertThat(cacheOf(consents).stats().hits()).isZero();
        assertThat(cacheOf(consents).stats().bypasses()).isEqualTo(2);

        inTransaction.set(false);
        afterCommit.forEach(Runnable::run);
        consents.check("cust-1", EMAIL);
        consents.check("cust-1", EMAIL);
        assertThat(cacheOf(consents).stats().hits()).isEqualTo(1);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> DecisionCache.builder().maxSize(0))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("maxSize");
        assertThatThrownBy(() -> DecisionCache.builder().maxStaleness(Duration.ZERO))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("maxStaleness");
        assertThatThrownBy(() -> TestFixtures.manager().cache(null))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("cache");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Passes everything to another store; tests override what they need. */
    private static class ForwardingStore implements ConsentStore {
        private final ConsentStore store;

        ForwardingStore(ConsentStore store) {
            this.store = store;
        }

        @Override
        public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
            return store.inWriteTransaction(operation, work);
        }

        @Override
        public Optional<SubjectState> state(String tenant, SubjectId subject) {
            return store.state(tenant, subject);
        }

        @Override
        public java.util.Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return store.preferences(tenant, subject);
        }

        @Override
        public Optional<ConsentRecord> findRecord(String tenant, java.util.UUID id) {
            return store.findRecord(tenant, id);
        }

        @Override
        public java.util.stream.Stream<AuditEntry> history(String tenant, HistoryQuery query) {
            return store.history(tenant, query);
        }

        @Override
        public java.util.stream.Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
            return store.chains(tenant, subject);
        }

        @Override
        public Optional<ChainLink> head(String tenant, SubjectId subject) {
            return store.head(tenant, subject);
        }
    }
}
