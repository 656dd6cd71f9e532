package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.PURPOSES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.spi.SubjectState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

    private static final String TENANT = "default";
    /** Only a guard against a deadlock hanging the build; never an assertion about speed. */
    private static final long HANG_GUARD_SECONDS = 120;

    private static final Comparator<ConsentRecord> BY_SEQUENCE =
            Comparator.comparingLong(r -> r.link().sequence());

    private InMemoryConsentStore store;
    private ConsentManager manager;
    private ConcurrentLinkedQueue<AuditEntry> published;
    private ExecutorService pool;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        published = new ConcurrentLinkedQueue<>();
        manager = TestFixtures.manager().store(store).listener(published::add).build();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Runs {@code threads} tasks that all start at once behind a latch; returns their results in thread order. */
    private <T> List<T> runConcurrently(int threads, IntFunction<Callable<T>> task) throws Exception {
        pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Callable<T> body = task.apply(t);
            futures.add(pool.submit(() -> {
                ready.countDown();
                start.await();
                return body.call();
            }));
        }
        assertThat(ready.await(HANG_GUARD_SECONDS, TimeUnit.SECONDS))
                .as("all threads started")
                .isTrue();
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
        }
        return results;
    }

    private static List<ConsentRecord> latestFirst(List<ConsentRecord> records) {
        List<ConsentRecord> copy = new ArrayList<>(records);
        Collections.reverse(copy);
        return copy;
    }

    private void assertCurrentStateIsLatestRecordPerPurpose(String subject, List<ConsentRecord> history) {
        SubjectState state = store.state(TENANT, SubjectId.of(subject)).orElseThrow();
        assertThat(state.head()).contains(history.get(history.size() - 1).link());
        for (String purpose : PURPOSES) {
            Optional<ConsentRecord> latest = latestFirst(history).stream()
                    .filter(r -> r.purpose().value().equals(purpose))
                    .findFirst();
            assertThat(Optional.ofNullable(state.current().get(PurposeId.of(purpose))))
                    .as(purpose)
                    .isEqualTo(latest);
            assertThat(manager.check(subject, purpose).record()).as(purpose).isEqualTo(latest);
        }
    }

    @Nested
    class ManyWritersOnOneSubject {

        private static final int THREADS = 16;
        private static final int PER_THREAD = 200;

        @Test
        void neverLoseRecordsNorForkTheChain() throws Exception {
            String subject = "hot-subject";
            List<List<ConsentRecord>> perThread = runConcurrently(THREADS, t -> () -> {
                List<ConsentRecord> mine = new ArrayList<>(PER_THREAD);
                for (int i = 0; i < PER_THREAD; i++) {
                    String purpose = PURPOSES.get((t + i) % PURPOSES.size());
                    ConsentCommand command = i % 2 == 0
                            ? ConsentCommand.grant(subject, purpose).build()
                            : ConsentCommand.withdraw(subject, purpose).build();
                    mine.add(manager.record(command));
                }
                return mine;
            });

            List<ConsentRecord> history = TestFixtures.history(manager, subject);
            assertThat(history).hasSize(THREADS * PER_THREAD);
            assertThat(history)
                    .extracting(r -> r.link().sequence())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, THREADS * PER_THREAD)
                            .boxed()
                            .toList());
            List<ConsentRecord> returned =
                    perThread.stream().flatMap(List::stream).sorted(BY_SEQUENCE).toList();
            assertThat(returned).isEqualTo(history);
            for (List<ConsentRecord> mine : perThread) {
                assertThat(mine).extracting(r -> r.link().sequence()).isSorted();
            }

            VerificationReport report = manager.verify();
            assertThat(report.intact()).isTrue();
            assertThat(report.recordsChecked()).isEqualTo(THREADS * PER_THREAD);
            assertThat(report.subjectsChecked()).isEqualTo(1);

            assertCurrentStateIsLatestRecordPerPurpose(subject, history);
            assertThat(published.stream()
                            .map(ConsentRecord.class::cast)
                            .sorted(BY_SEQUENCE)
                            .toList())
                    .isEqualTo(history);
        }

        @Test
        void writeARetriedIdempotencyKeyOnlyOnce() throws Exception {
            String subject = "retrying-subject";
            int keys = 50;
            List<Map<String, ConsentRecord>> perThread = runConcurrently(THREADS, t -> () -> {
                List<Integer> order = new ArrayList<>();
                for (int k = 0; k < keys; k++) {
                    order.add(k);
                }
                Collections.shuffle(order, new Random(t));
                Map<String, ConsentRecord> mine = new HashMap<>();
                for (int k : order) {
                    String key = "form-submit-" + k;
                    mine.put(
                            key,
                            manager.record(ConsentCommand.grant(subject, PURPOSES.get(k % PURPOSES.size()))
                                    .idempotencyKey(key)
                                    .build()));
                }
                return mine;
            });

            List<ConsentRecord> history = TestFixtures.history(manager, subject);
            assertThat(history).hasSize(keys);
            assertThat(history)
                    .extracting(r -> r.idempotencyKey().orElseThrow())
                    .doesNotHaveDuplicates();
            for (Map<String, ConsentRecord> mine : perThread) {
                assertThat(mine).hasSize(keys);
                assertThat(mine.values()).containsExactlyInAnyOrderElementsOf(history);
            }
            assertThat(published).hasSize(keys);
            assertThat(manager.verify().intact()).isTrue();
        }
    }

    @Nested
    class ManyWritersOnFiftySubjects {

        private static final int THREADS = 8;
        private static final int BATCHES = 30;
        private static final int BATCH_SIZE = 5;
        private static final int SUBJECTS = 50;

        @Test
        void recordAllBatchesStayAtomicOrderedAndVerifiable() throws Exception {
            List<List<List<ConsentRecord>>> perThread = runConcurrently(THREADS, t -> () -> {
                Random random = new Random(1000 + t);
                List<List<ConsentRecord>> batches = new ArrayList<>();
                for (int b = 0; b < BATCHES; b++) {
                    List<ConsentCommand> batch = new ArrayList<>();
                    for (int i = 0; i < BATCH_SIZE; i++) {
                        // the first command walks all 50 subjects; the others pick at random, repeats included
                        int s = i == 0 ? (t * BATCHES + b) % SUBJECTS : random.nextInt(SUBJECTS);
                        String purpose = PURPOSES.get(random.nextInt(PURPOSES.size()));
                        batch.add(
                                random.nextBoolean()
                                        ? ConsentCommand.grant("subject-" + s, purpose)
                                                .build()
                                        : ConsentCommand.optOut("subject-" + s, purpose)
                                                .build());
                    }
                    List<ConsentRecord> recorded = manager.recordAll(batch);
                    assertThat(recorded).hasSameSizeAs(batch);
                    for (int i = 0; i < batch.size(); i++) {
                        assertThat(recorded.get(i).subject().value())
                                .isEqualTo(batch.get(i).subject());
                        assertThat(recorded.get(i).purpose().value())
                                .isEqualTo(batch.get(i).purpose());
                        assertThat(recorded.get(i).status())
                                .isEqualTo(batch.get(i).status());
                    }
                    batches.add(recorded);
                }
                return batches;
            });

            int total = THREADS * BATCHES * BATCH_SIZE;
            List<List<ConsentRecord>> allBatches =
                    perThread.stream().flatMap(List::stream).toList();
            for (List<ConsentRecord> batch : allBatches) {
                // requests for one subject in one batch follow each other on that subject's chain
                Map<SubjectId, List<Long>> sequences = batch.stream()
                        .collect(Collectors.groupingBy(
                                ConsentRecord::subject,
                                Collectors.mapping(r -> r.link().sequence(), Collectors.toList())));
                sequences.values().forEach(seq -> {
                    for (int i = 1; i < seq.size(); i++) {
                        assertThat(seq.get(i)).isEqualTo(seq.get(i - 1) + 1);
                    }
                });
            }
            Map<SubjectId, Long> expectedCounts = allBatches.stream()
                    .flatMap(List::stream)
                    .collect(Collectors.groupingBy(ConsentRecord::subject, Collectors.counting()));
            assertThat(expectedCounts).hasSize(SUBJECTS);

            for (int s = 0; s < SUBJECTS; s++) {
                String subject = "subject-" + s;
                List<ConsentRecord> history = TestFixtures.history(manager, subject);
                long n = expectedCounts.get(SubjectId.of(subject));
                assertThat(history)
                        .extracting(r -> r.link().sequence())
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, n).boxed().toList());
                assertCurrentStateIsLatestRecordPerPurpose(subject, history);
            }
            Set<ConsentRecord> returned =
                    allBatches.stream().flatMap(List::stream).collect(Collectors.toSet());
            assertThat(returned).hasSize(total);
            List<AuditEntry> trail = TestFixtures.auditTrail(manager, HistoryQuery.all());
            assertThat(trail).hasSize(total);
            assertThat(new HashSet<AuditEntry>(trail)).isEqualTo(returned);
            VerificationReport report = manager.verify();
            assertThat(report.intact()).isTrue();
            assertThat(report.recordsChecked()).isEqualTo(total);
            assertThat(report.subjectsChecked()).isEqualTo(SUBJECTS);
            assertThat(published).hasSize(total);
        }
    }
}
