package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.kafka.EmbeddedKafka;
import dev.consentkit.kafka.KafkaOutboxPublisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The outbox relay to Kafka, end to end: one invocation is {@value #CHANGES} changes committed on PostgreSQL by
 * {@value #WRITERS} writer threads ({@code recordAll} batches of {@value #WRITE_BATCH} over {@value #SUBJECTS}
 * subjects, alternately granting and withdrawing {@code marketing.email}), drained by {@link #relays} {@link
 * OutboxRelay}s (polling every 10 ms, each with its own {@link KafkaOutboxPublisher}) to a real single-node broker
 * in this JVM (consent-kafka's {@link EmbeddedKafka}), and timed until a {@link KafkaConsumer}
 * ({@code read_uncommitted}, on its own thread, positioned at the topic's end before the writes) has received every
 * one of the {@value #CHANGES} event ids. Score: that wall time; events/s = {@value #CHANGES} / score.
 *
 * <p>Latency per event: the consumer's receipt time (the system clock when {@code poll} returned the record)
 * minus the entry's {@code recordedAt}, which is the manager clock's time when {@code recordAll} was called, just
 * before validation and the batch's transaction: so it includes the write transaction of the batch. A second
 * latency is measured from the commit (the writer's clock when {@code recordAll} returned). p50, p99 and max of
 * all {@value #CHANGES} samples of an invocation are printed and appended, one JSON object per measured
 * invocation, to {@code benchmarks/results/<date>-relay-latency.jsonl} (or {@code $CKBENCH_RELAY_LATENCY_OUT}).
 *
 * <p>The PostgreSQL data lives in a schema of its own ({@code ckrelay_<run>}), created in the trial's setup and
 * dropped at its end; the broker and its topic ({@value #TOPIC_PARTITIONS} partitions) likewise. Before each
 * iteration the outbox and the other tables are vacuumed and analyzed (this machine runs PostgreSQL with
 * autovacuum off; each invocation inserts and deletes {@value #CHANGES} outbox rows).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xms2g",
            "-Xmx2g",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.log.dev.consentkit=warn"
        })
@State(Scope.Benchmark)
public class RelayBenchmark {

    /** Changes per invocation. */
    static final int CHANGES = 100_000;

    static final int SUBJECTS = 10_000;
    static final int WRITERS = 4;
    /** Commands per {@code recordAll}. */
    static final int WRITE_BATCH = 500;

    static final int TOPIC_PARTITIONS = 16;
    static final Duration POLL_INTERVAL = Duration.ofMillis(10);
    static final String TENANT = "relay";
    static final String PURPOSE = "marketing.email";

    /** Relay instances on the one database, each with its own publisher (and producer). */
    @Param({"1", "3"})
    public int relays;

    /** {@code OutboxRelay.Builder#batchSize}: entries per pass (one Kafka flush) at most. */
    @Param({"500"})
    public int relayBatch;

    /** {@code OutboxRelay.Builder#partitionsPerPass}: outbox partitions (of 16) one pass locks and drains. */
    @Param({"4"})
    public int partitionsPerPass;

    private final Clock clock = Clock.systemUTC();
    private EmbeddedKafka kafka;
    private HikariDataSource ds;
    private String schema;
    private String topic;
    private ConsentManager consents;
    private final List<OutboxRelay> relayList = new ArrayList<>();
    private final List<KafkaOutboxPublisher> publishers = new ArrayList<>();
    private AtomicLong[] published;
    private AtomicLong[] passes;
    private ExecutorService writers;
    private int invocation;
    private boolean measuring;
    private int iteration;

    // per invocation
    private Receiver receiver;
    private Thread receiverThread;
    private List<Written> written;
    private long wallNanos;
    private long writesNanos;
    private long[] publishedBefore;
    private long[] passesBefore;

    @Setup(Level.Trial)
    public void setUpTrial() throws Exception {
        kafka = EmbeddedKafka.start();
        topic = "consent-events-" + UUID.randomUUID();
        kafka.createTopic(topic, TOPIC_PARTITIONS);

        ds = BenchData.postgres(WRITERS + relays + 1);
        schema = "ckrelay_" + Long.toString(System.currentTimeMillis(), 36);
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(ds).schema(schema).build();
        store.createSchemaIfMissing();
        consents = ConsentManager.builder()
                .purposes(BenchData.purposes())
                .store(store)
                .tenant(TENANT)
                .clock(clock)
                .build();

        // the subjects exist before the first invocation, and the planner has statistics of them (this machine's
        // PostgreSQL runs without autovacuum; on empty-analyzed tables the batch's head lookup spills to disk)
        List<ConsentCommand> seed = new ArrayList<>(WRITE_BATCH);
        for (int i = 0; i < SUBJECTS; i++) {
            seed.add(ConsentCommand.grant("r-" + i, PURPOSE)
                    .evidence(BenchData.evidence())
                    .build());
            if (seed.size() == WRITE_BATCH) {
                consents.recordAll(seed);
                seed.clear();
            }
        }

        published = new AtomicLong[relays];
        passes = new AtomicLong[relays];
        for (int i = 0; i < relays; i++) {
            AtomicLong count = published[i] = new AtomicLong();
            AtomicLong calls = passes[i] = new AtomicLong();
            KafkaOutboxPublisher kafkaPublisher = KafkaOutboxPublisher.builder()
                    .bootstrapServers(kafka.bootstrapServers())
                    .topic(topic)
                    .build();
            publishers.add(kafkaPublisher);
            OutboxRelay relay = OutboxRelay.builder(store)
                    .name("bench-" + i)
                    .publisher(entries -> {
                        kafkaPublisher.publish(entries);
                        count.addAndGet(entries.size());
                        calls.incrementAndGet();
                    })
                    .batchSize(relayBatch)
                    .partitionsPerPass(partitionsPerPass)
                    .build();
            relayList.add(relay);
            relay.start(POLL_INTERVAL);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (relayList.get(0).backlog().depth() > 0) { // the seed goes out too, before the consumer starts
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the relays did not drain the seeded entries within 2 minutes");
            }
            Thread.sleep(50);
        }
        writers = Executors.newFixedThreadPool(WRITERS, r -> {
            Thread t = new Thread(r, "relay-bench-writer");
            t.setDaemon(true);
            return t;
        });
    }

    @TearDown(Level.Trial)
    public void tearDownTrial() throws Exception {
        writers.shutdownNow();
        for (OutboxRelay relay : relayList) {
            relay.close();
        }
        for (KafkaOutboxPublisher p : publishers) {
            p.close();
        }
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
        }
        ds.close();
        kafka.close();
    }

    @Setup(Level.Iteration)
    public void setUpIteration(IterationParams params) throws SQLException {
        measuring = params.getType() == IterationType.MEASUREMENT;
        iteration++;
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            for (String table : List.of("outbox", "log", "state", "subject")) {
                st.execute("VACUUM (ANALYZE) " + schema + ".consent_" + table);
            }
        }
    }

    @Setup(Level.Invocation)
    public void setUpInvocation() throws InterruptedException {
        long waiting = relayList.get(0).backlog().depth();
        if (waiting != 0) {
            throw new IllegalStateException(waiting + " entries left in the outbox before the invocation");
        }
        receiver = new Receiver(kafka.bootstrapServers(), topic, CHANGES, clock);
        receiverThread = new Thread(receiver, "relay-bench-consumer");
        receiverThread.setDaemon(true);
        receiverThread.start();
        receiver.ready.await();
        if (receiver.failure != null) {
            throw new IllegalStateException("the consumer did not start", receiver.failure);
        }
        publishedBefore = snapshot(published);
        passesBefore = snapshot(passes);
        written = null;
    }

    /** Commits {@value #CHANGES} changes and returns once the consumer has received every event id. */
    @Benchmark
    public int commitToConsumer() throws Exception {
        long start = System.nanoTime();
        int round = invocation++;
        List<Future<Written>> futures = new ArrayList<>(WRITERS);
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            futures.add(writers.submit(() -> write(writer, round)));
        }
        List<Written> all = new ArrayList<>(WRITERS);
        for (Future<Written> f : futures) {
            all.add(f.get());
        }
        writesNanos = System.nanoTime() - start;
        if (!receiver.done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the consumer received " + receiver.distinct() + " of " + CHANGES
                    + " events within 5 minutes of the writes");
        }
        wallNanos = System.nanoTime() - start;
        written = all;
        return receiver.distinct();
    }

    @TearDown(Level.Invocation)
    public void tearDownInvocation() throws Exception {
        receiver.stop = true;
        receiverThread.join(TimeUnit.SECONDS.toMillis(30));
        if (written == null) {
            return; // the invocation failed
        }
        Map<UUID, Long> receivedAt = receiver.firstSeen;
        long[] fromRecorded = new long[CHANGES];
        long[] fromCommit = new long[CHANGES];
        int n = 0;
        for (Written w : written) {
            for (int i = 0; i < w.ids.length; i++) {
                Long at = receivedAt.get(w.ids[i]);
                if (at == null) {
                    throw new IllegalStateException("event " + w.ids[i] + " was committed but never received");
                }
                fromRecorded[n] = at - w.recordedAt[i];
                fromCommit[n] = at - w.committedAt[i];
                n++;
            }
        }
        if (n != CHANGES) {
            throw new IllegalStateException(n + " changes written, expected " + CHANGES);
        }
        Arrays.sort(fromRecorded);
        Arrays.sort(fromCommit);
        long[] perRelay = new long[relays];
        long[] passesPerRelay = new long[relays];
        for (int i = 0; i < relays; i++) {
            perRelay[i] = published[i].get() - publishedBefore[i];
            passesPerRelay[i] = passes[i].get() - passesBefore[i];
        }
        double seconds = wallNanos / 1e9;
        String line = String.format(
                Locale.ROOT,
                "{\"benchmark\":\"RelayBenchmark.commitToConsumer\",\"relays\":%d,\"relayBatch\":%d,"
                        + "\"partitionsPerPass\":%d,\"iteration\":%d,\"type\":\"%s\",\"at\":\"%s\",\"events\":%d,"
                        + "\"wallMs\":%.1f,\"eventsPerSecond\":%.0f,\"writesMs\":%.1f,"
                        + "\"latencyFromRecordedAtMs\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
                        + "\"latencyFromCommitMs\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
                        + "\"publishedPerRelay\":%s,\"passesPerRelay\":%s,\"duplicatesReceived\":%d}",
                relays,
                relayBatch,
                partitionsPerPass,
                iteration,
                measuring ? "measurement" : "warmup",
                Instant.now(),
                CHANGES,
                wallNanos / 1e6,
                CHANGES / seconds,
                writesNanos / 1e6,
                percentile(fromRecorded, 0.50),
                percentile(fromRecorded, 0.99),
                fromRecorded[CHANGES - 1] / 1000.0,
                percentile(fromCommit, 0.50),
                percentile(fromCommit, 0.99),
                fromCommit[CHANGES - 1] / 1000.0,
                Arrays.toString(perRelay).replace(" ", ""),
                Arrays.toString(passesPerRelay).replace(" ", ""),
                receiver.duplicates);
        System.out.println();
        System.out.println("[relay] " + line);
        if (measuring) {
            append(line);
        }
    }

    /** Writer {@code w}'s share: its own 2,500 subjects, ten changes each, in batches. */
    private Written write(int w, int round) {
        int per = SUBJECTS / WRITERS;
        int changes = CHANGES / WRITERS;
        Written out = new Written(changes);
        int n = 0;
        List<ConsentCommand> batch = new ArrayList<>(WRITE_BATCH);
        for (int pass = 0; n + batch.size() < changes; pass++) {
            boolean grant = (round * 10 + pass) % 2 == 1; // the seed granted
            for (int i = 0; i < per && n + batch.size() < changes; i++) {
                String subject = "r-" + (w * per + i);
                ConsentCommand.Builder b =
                        grant ? ConsentCommand.grant(subject, PURPOSE) : ConsentCommand.withdraw(subject, PURPOSE);
                batch.add(b.evidence(BenchData.evidence()).build());
                if (batch.size() == WRITE_BATCH) {
                    n = flush(batch, out, n);
                }
            }
        }
        if (!batch.isEmpty()) {
            n = flush(batch, out, n);
        }
        return out;
    }

    private int flush(List<ConsentCommand> batch, Written out, int n) {
        List<ConsentRecord> records = consents.recordAll(batch);
        long committed = micros(clock.instant());
        for (ConsentRecord r : records) {
            out.ids[n] = r.id();
            out.recordedAt[n] = micros(r.recordedAt());
            out.committedAt[n] = committed;
            n++;
        }
        batch.clear();
        return n;
    }

    private static double percentile(long[] sortedMicros, double p) {
        int index = (int) Math.ceil(p * sortedMicros.length) - 1;
        return sortedMicros[Math.max(0, index)] / 1000.0;
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    private static long[] snapshot(AtomicLong[] counters) {
        long[] values = new long[counters.length];
        for (int i = 0; i < counters.length; i++) {
            values[i] = counters[i].get();
        }
        return values;
    }

    private static void append(String line) {
        String out = System.getenv("CKBENCH_RELAY_LATENCY_OUT");
        Path path = Path.of(
                out != null && !out.isBlank()
                        ? out
                        : "benchmarks/results/" + LocalDate.now(ZoneOffset.UTC) + "-relay-latency.jsonl");
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            Files.writeString(
                    path, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What one writer committed: entry ids, their {@code recordedAt} and the commit time, in microseconds. */
    private static final class Written {
        final UUID[] ids;
        final long[] recordedAt;
        final long[] committedAt;

        Written(int n) {
            ids = new UUID[n];
            recordedAt = new long[n];
            committedAt = new long[n];
        }
    }

    /**
     * The consumer thread: assigned every partition of the topic, positioned at its end, then the first receipt
     * time of every event id ({@code ce_id} header) until {@code target} distinct ids arrived.
     */
    private static final class Receiver implements Runnable {
        final Map<UUID, Long> firstSeen = new HashMap<>(CHANGES * 2);
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean stop;
        volatile int distinctSeen;
        volatile Throwable failure;
        long duplicates;
        private final KafkaConsumer<String, String> consumer;
        private final String topic;
        private final int target;
        private final Clock clock;

        Receiver(String bootstrap, String topic, int target, Clock clock) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
            this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
            this.topic = topic;
            this.target = target;
            this.clock = clock;
        }

        int distinct() {
            return distinctSeen;
        }

        @Override
        public void run() {
            try (consumer) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                for (TopicPartition p : partitions) {
                    consumer.position(p, Duration.ofSeconds(30)); // resolve the end now, before the writes
                }
                ready.countDown();
                while (!stop) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    if (records.isEmpty()) {
                        continue;
                    }
                    long now = micros(clock.instant());
                    for (ConsumerRecord<String, String> r : records) {
                        Header id = r.headers().lastHeader(KafkaOutboxPublisher.ID_HEADER);
                        UUID key = UUID.fromString(new String(id.value(), StandardCharsets.UTF_8));
                        if (firstSeen.putIfAbsent(key, now) != null) {
                            duplicates++;
                        }
                    }
                    distinctSeen = firstSeen.size();
                    if (firstSeen.size() >= target) {
                        done.countDown();
                    }
                }
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                ready.countDown();
            }
        }
    }
}
