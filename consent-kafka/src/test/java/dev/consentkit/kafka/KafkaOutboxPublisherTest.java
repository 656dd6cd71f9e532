package dev.consentkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The publisher against a real Kafka broker in this JVM (KRaft, one node), fed by an {@link OutboxRelay} on an H2
 * {@link JdbcConsentStore} that a real {@link ConsentManager} writes to; a real consumer reads the topic back.
 */
class KafkaOutboxPublisherTest {

    private static final int PARTITIONS = 3;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EmbeddedKafka kafka;

    private JdbcConsentStore store;
    private ConsentManager consents;
    private String topic;
    /** What the manager committed, per subject in chain order. */
    private final Map<String, List<AuditEntry>> committed = new LinkedHashMap<>();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    @BeforeEach
    void storeAndTopic() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:ck" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        store = JdbcConsentStore.builder().dataSource(ds).build();
        store.createSchemaIfMissing();
        consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .build(),
                        Purpose.builder("analytics").basis(LegalBasis.CONSENT).build())
                .store(store)
                .build();
        topic = "consent-events-" + UUID.randomUUID();
        kafka.createTopic(topic, PARTITIONS);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void everyCommittedEntryArrivesKeyedBySubjectInChainOrderAsACloudEvent() throws Exception {
        write(30, 0, 4);
        KafkaOutboxPublisher publisher = publisher(KafkaOutboxPublisher.builder());
        OutboxRelay relay = relay(publisher);

        drain(relay);

        assertThat(relay.backlog().depth()).isZero();
        List<ConsumerRecord<String, String>> records = kafka.readAll(topic, "read_committed");
        assertThat(records).hasSize(120); // nothing was retried, so nothing is duplicated
        assertDeliveredInOrder(records);
        assertThat(records.stream().map(ConsumerRecord::partition).distinct())
                .as("subjects spread over the partitions")
                .hasSizeGreaterThan(1);
    }

    @Test
    void aRelayThatDiesMidBatchOrBeforeDeletingLosesNothingAndOnlyDuplicatesByEventId() throws Exception {
        write(20, 0, 3);
        KafkaOutboxPublisher publisher = publisher(KafkaOutboxPublisher.builder());
        AtomicInteger attempt = new AtomicInteger();
        OutboxPublisher crashing = entries -> {
            int n = attempt.incrementAndGet();
            if (n == 1) {
                publisher.publish(entries.subList(0, entries.size() / 2)); // half the batch reached Kafka
                throw new IllegalStateException("relay process died mid-batch");
            }
            publisher.publish(entries);
            if (n == 2) {
                throw new IllegalStateException("relay process died after publishing, before deleting the rows");
            }
        };
        OutboxRelay relay = relay(crashing);

        drain(relay);

        assertThat(attempt.get()).isGreaterThan(2);
        assertThat(relay.backlog().depth()).isZero();
        List<ConsumerRecord<String, String>> records = kafka.readAll(topic, "read_committed");
        assertThat(records.size()).as("the retried batches were sent again").isGreaterThan(60);
        assertDeliveredInOrder(records);
    }

    @Test
    void whileTheBrokerIsDownTheOutboxKeepsTheEntriesAndTheRelayCatchesUpAfterItsReturn() throws Exception {
        write(10, 0, 2);
        KafkaOutboxPublisher publisher = publisher(KafkaOutboxPublisher.builder());
        AtomicInteger failures = new AtomicInteger();
        OutboxRelay relay = relay(entries -> {
            try {
                publisher.publish(entries);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                throw e;
            }
        });
        relay.start(Duration.ofMillis(100));
        await(() -> relay.backlog().depth() == 0, "the first entries were delivered");

        kafka.stop();
        try {
            write(10, 2, 2);
            await(() -> failures.get() > 0, "a publish failed while the broker was down");
            long depthAfterFailure = relay.backlog().depth();
            write(10, 4, 2);
            assertThat(depthAfterFailure)
                    .as("the outbox keeps what was not published")
                    .isGreaterThanOrEqualTo(20);
            assertThat(relay.backlog().depth()).as("the backlog grows").isEqualTo(depthAfterFailure + 20);
        } finally {
            kafka.restart();
        }

        await(() -> relay.backlog().depth() == 0, "the relay caught up after the broker returned");
        List<ConsumerRecord<String, String>> records = kafka.readAll(topic, "read_committed");
        assertDeliveredInOrder(records);
    }

    @Test
    void inTheTransactionalModeReadCommittedConsumersNeverSeeAFailedBatch() throws Exception {
        write(20, 0, 3);
        KafkaOutboxPublisher publisher =
                publisher(KafkaOutboxPublisher.builder().transactionalId("relay-" + topic));
        assertThat(publisher.transactional()).isTrue();
        AtomicInteger attempt = new AtomicInteger();
        AtomicInteger sentBeforeFailure = new AtomicInteger();
        AtomicInteger seenMidTransaction = new AtomicInteger(-1);
        OutboxRelay relay = relay(entries -> {
            if (attempt.incrementAndGet() == 1) {
                // the publisher itself fails after sending half the batch inside its transaction
                int half = entries.size() / 2;
                sentBeforeFailure.set(half);
                publisher.publish(new FailingAt(entries, half, () -> {
                    // the half batch is in the log, inside the open transaction
                    kafka.readAtLeast(topic, "read_uncommitted", half);
                    seenMidTransaction.set(
                            kafka.readAll(topic, "read_committed").size());
                }));
            } else {
                publisher.publish(entries);
            }
        });

        drain(relay);

        assertThat(attempt.get()).isGreaterThan(1);
        assertThat(sentBeforeFailure.get()).isPositive();
        assertThat(seenMidTransaction.get())
                .as("read_committed sees nothing of the open transaction")
                .isZero();
        assertThat(relay.backlog().depth()).isZero();
        List<ConsumerRecord<String, String>> committedOnly = kafka.readAll(topic, "read_committed");
        assertThat(committedOnly).as("the aborted half batch is invisible").hasSize(60);
        assertDeliveredInOrder(committedOnly);
        List<ConsumerRecord<String, String>> everything = kafka.readAll(topic, "read_uncommitted");
        assertThat(everything).as("the aborted records are in the log").hasSize(60 + sentBeforeFailure.get());
    }

    @Test
    void aPublisherWithoutABrokerFailsWithinTheDeliveryTimeoutInsteadOfHanging() throws Exception {
        write(2, 0, 1);
        int unusedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            unusedPort = s.getLocalPort();
        }
        KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder()
                .bootstrapServers("127.0.0.1:" + unusedPort)
                .topic(topic)
                .deliveryTimeout(Duration.ofSeconds(1))
                .build();
        toClose.add(publisher);
        AtomicInteger failures = new AtomicInteger();
        OutboxRelay relay = relay(entries -> {
            try {
                publisher.publish(entries);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                throw e;
            }
        });

        assertThat(relay.deliverPending()).isZero();
        assertThat(failures.get()).isEqualTo(1);
        assertThat(relay.backlog().depth()).isEqualTo(2);
    }

    // --- helpers ---

    /** {@code subjects} subjects, each with {@code count} more entries, alternating grants and withdrawals. */
    private void write(int subjects, int from, int count) {
        for (int i = from; i < from + count; i++) {
            for (int s = 0; s < subjects; s++) {
                String subject = "subject-" + s;
                String purpose = s % 2 == 0 ? "marketing.email" : "analytics";
                ConsentCommand command = i % 2 == 0
                        ? ConsentCommand.grant(subject, purpose).build()
                        : ConsentCommand.withdraw(subject, purpose).build();
                AuditEntry entry = consents.record(command);
                committed.computeIfAbsent(subject, k -> new ArrayList<>()).add(entry);
            }
        }
    }

    private KafkaOutboxPublisher publisher(KafkaOutboxPublisher.Builder builder) {
        KafkaOutboxPublisher publisher = builder.bootstrapServers(kafka.bootstrapServers())
                .topic(topic)
                .deliveryTimeout(Duration.ofSeconds(2))
                .build();
        toClose.add(publisher);
        return publisher;
    }

    private OutboxRelay relay(OutboxPublisher publisher) {
        OutboxRelay relay = OutboxRelay.builder(store)
                .publisher(publisher)
                .name("kafka")
                .batchSize(25)
                .partitionsPerPass(16)
                .initialBackoff(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(500))
                .build();
        toClose.add(relay);
        return relay;
    }

    /** Runs passes (through back-offs) until the outbox is empty. */
    private static void drain(OutboxRelay relay) throws InterruptedException {
        await(
                () -> {
                    relay.deliverPending();
                    return relay.backlog().depth() == 0;
                },
                "the outbox drained");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Every committed entry arrived; after dropping repeated event ids (keeping the first), each subject's events
     * are its chain in order; every record is a CloudEvent of its entry, keyed by subject; duplicates are the same
     * event.
     */
    private void assertDeliveredInOrder(List<ConsumerRecord<String, String>> records) {
        Map<String, AuditEntry> byId = new LinkedHashMap<>();
        committed.values().forEach(chain -> chain.forEach(e -> byId.put(e.id().toString(), e)));
        Map<String, String> firstValue = new LinkedHashMap<>();
        Map<String, List<String>> firstIdsPerSubject = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode event = JSON.readTree(r.value());
            String id = event.get("id").asString();
            AuditEntry entry = byId.get(id);
            assertThat(entry).as("event %s is a committed entry", id).isNotNull();
            assertThat(event.get("specversion").asString()).isEqualTo("1.0");
            assertThat(event.get("type").asString()).isEqualTo(ConsentEventFormat.type(entry));
            assertThat(event.get("subject").asString())
                    .isEqualTo(entry.subject().value());
            assertThat(event.get("data").get("chain").get("sequence").asLong())
                    .isEqualTo(entry.link().sequence());
            assertThat(r.key()).isEqualTo(entry.subject().value());
            assertThat(header(r, "content-type")).isEqualTo("application/cloudevents+json; charset=UTF-8");
            assertThat(header(r, "ce_id")).isEqualTo(id);
            assertThat(header(r, "ce_type")).isEqualTo(ConsentEventFormat.type(entry));
            if (seen.add(id)) {
                firstValue.put(id, r.value());
                firstIdsPerSubject
                        .computeIfAbsent(r.key(), k -> new ArrayList<>())
                        .add(id);
            } else {
                assertThat(r.value()).as("a duplicate is the same event").isEqualTo(firstValue.get(id));
            }
        }
        assertThat(seen).as("every committed entry arrived").isEqualTo(byId.keySet());
        for (Map.Entry<String, List<AuditEntry>> chain : committed.entrySet()) {
            assertThat(firstIdsPerSubject.get(chain.getKey()))
                    .as("chain order of %s", chain.getKey())
                    .containsExactlyElementsOf(chain.getValue().stream()
                            .map(e -> e.id().toString())
                            .toList());
        }
        assertThat(records.stream()
                        .filter(r -> r.key().equals("subject-0"))
                        .map(ConsumerRecord::partition)
                        .distinct())
                .as("one subject, one partition")
                .hasSize(1);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        assertThat(h).as("header %s", name).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A batch whose element {@code failAt} cannot be read: the publisher fails after sending the ones before. */
    private static final class FailingAt extends AbstractList<AuditEntry> {
        private final List<AuditEntry> entries;
        private final int failAt;
        private final Runnable beforeFailing;

        FailingAt(List<AuditEntry> entries, int failAt, Runnable beforeFailing) {
            this.entries = entries;
            this.failAt = failAt;
            this.beforeFailing = beforeFailing;
        }

        @Override
        public AuditEntry get(int index) {
            if (index == failAt) {
                beforeFailing.run();
                throw new IllegalStateException("the relay died in the middle of the batch");
            }
            return entries.get(index);
        }

        @Override
        public int size() {
            return entries.size();
        }
    }
}
