package dev.consentkit.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.testsupport.CuttingProxy;
import dev.consentkit.testsupport.RequiresRabbitMq;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The publisher between a real H2 {@link JdbcConsentStore}'s outbox relay and the real RabbitMQ broker named by
 * {@value RequiresRabbitMq#URI_VARIABLE}, read by real consumers on single-active-consumer queues: every committed
 * entry arrives, in chain order per subject after de-duplication by message id, also across an outage, a
 * connection lost in the middle of a batch and an unroutable batch.
 */
@RequiresRabbitMq
class RabbitOutboxPublisherIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private Broker broker;
    private JdbcConsentStore store;
    private ConsentManager consents;
    /** Every committed entry by id, as the manager's listener heard it (before any erasure). */
    private final Map<UUID, AuditEntry> committed = new ConcurrentHashMap<>();
    /** The same, in commit order. */
    private final List<AuditEntry> commitOrder = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws Exception {
        broker = new Broker();
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:ck" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        store = JdbcConsentStore.builder().dataSource(h2).build();
        store.createSchemaIfMissing();
        consents = Entries.manager(store, e -> {
            committed.put(e.id(), e);
            commitOrder.add(e);
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    private RabbitOutboxPublisher.Builder publisher() {
        return RabbitOutboxPublisher.builder().connectionFactory(broker.factory).exchange(broker.exchange);
    }

    private void grant(String subject, String purpose) {
        consents.record(ConsentCommand.grant(subject, purpose).build());
    }

    @Test
    void everyCommittedEntryArrivesOnceInChainOrderPerSubject() throws Exception {
        String all = broker.orderedQueue("all", "dev.consentkit.#");
        String withdrawn = broker.orderedQueue("withdrawn", "dev.consentkit.consent.withdrawn");
        Broker.Consumer first = broker.consume(all);
        Broker.Consumer standby = broker.consume(all);
        Broker.Consumer withdrawals = broker.consume(withdrawn);

        try (RabbitOutboxPublisher rabbit = publisher().build();
                OutboxRelay relay = OutboxRelay.builder(store)
                        .publisher(rabbit)
                        .name("rabbitmq")
                        .batchSize(50)
                        .build()) {
            relay.start(Duration.ofMillis(20));
            writeConcurrently(4, 150, 120, 7L);
            for (int s = 0; s < 5; s++) {
                consents.erase("subj-" + s, "test erasure");
            }

            assertThat(Broker.await(PATIENCE, () -> first.distinctIds() + standby.distinctIds() >= committed.size()))
                    .as("all %d committed entries arrive", committed.size())
                    .isTrue();
            assertThat(Broker.await(PATIENCE, () -> relay.backlog().depth() == 0))
                    .isTrue();
        }

        assertThat(List.of(first.received().size(), standby.received().size()))
                .as("one consumer of the single-active-consumer queue receives everything, the other stands by")
                .containsExactlyInAnyOrder(0, committed.size());
        List<Broker.Message> received = new ArrayList<>(first.received());
        received.addAll(standby.received());
        assertThat(received).as("no failure, so no redelivery").hasSize(committed.size());
        assertArrivedInChainOrder(received);

        Set<String> withdrawnIds = committed.values().stream()
                .filter(e -> e instanceof ConsentRecord r && r.status() == ConsentStatus.WITHDRAWN)
                .map(e -> e.id().toString())
                .collect(Collectors.toSet());
        assertThat(withdrawnIds).isNotEmpty();
        assertThat(Broker.await(PATIENCE, () -> withdrawals.received().size() >= withdrawnIds.size()))
                .isTrue();
        assertThat(withdrawals.received())
                .as("a queue bound to one event type gets exactly those events")
                .extracting(Broker.Message::messageId)
                .containsExactlyInAnyOrderElementsOf(withdrawnIds);
    }

    @Test
    void duringABlackoutEntriesWaitInTheOutboxAndAfterItArriveWithoutLoss() throws Exception {
        String all = broker.orderedQueue("all", "dev.consentkit.#");
        Broker.Consumer consumer = broker.consume(all);
        AtomicInteger failures = new AtomicInteger();
        try (CuttingProxy proxy =
                        new CuttingProxy(broker.factory.getHost(), broker.factory.getPort(), 0.0, 0, 20261203L);
                RabbitOutboxPublisher rabbit = publisher()
                        .connectionFactory(broker.through(proxy.port()))
                        .build();
                OutboxRelay relay = OutboxRelay.builder(store)
                        .publisher(counting(rabbit, failures))
                        .name("rabbitmq")
                        .batchSize(40)
                        .initialBackoff(Duration.ofMillis(50))
                        .maxBackoff(Duration.ofMillis(200))
                        .build()) {
            relay.start(Duration.ofMillis(20));
            writeConcurrently(2, 50, 30, 11L);
            int before = committed.size();
            assertThat(Broker.await(PATIENCE, () -> consumer.distinctIds() >= before))
                    .isTrue();
            assertThat(Broker.await(PATIENCE, () -> relay.backlog().depth() == 0))
                    .isTrue();

            proxy.blackout(true);
            writeConcurrently(2, 60, 30, 12L); // writes go on while the broker is unreachable
            int during = committed.size() - before;
            int failedSoFar = failures.get();
            assertThat(Broker.await(PATIENCE, () -> failures.get() >= failedSoFar + 2))
                    .as("the relay keeps trying and its publish keeps failing")
                    .isTrue();
            assertThat(relay.backlog().depth())
                    .as("every entry written during the blackout waits in the outbox")
                    .isEqualTo(during);
            assertThat(relay.backlog().oldest()).isPresent();

            proxy.blackout(false);
            assertThat(Broker.await(PATIENCE, () -> consumer.distinctIds() >= committed.size()))
                    .as("after the blackout the relay catches up")
                    .isTrue();
            assertThat(Broker.await(PATIENCE, () -> relay.backlog().depth() == 0))
                    .isTrue();
        }

        List<Broker.Message> received = consumer.received();
        assertArrivedInChainOrder(received);
        assertCopiesAreIdentical(received);
    }

    @Test
    void aConnectionLostInTheMiddleOfABatchPublishesTheWholeBatchAgainWithTheSameIds() throws Exception {
        // the proxy's first decision with this seed passes the 11th message on, then cuts
        connectionLostAt(11, 20261204L);
    }

    @Test
    void aLastMessageLostWithTheConnectionIsCaughtByTheConfirms() throws Exception {
        // with this seed the proxy drops the 30th message and cuts: the socket took it, the broker never saw it,
        // and only the missing confirm tells
        connectionLostAt(30, 20261207L);
    }

    /**
     * Writes 30 entries of 5 subjects, and has one relay pass publish them through a proxy that goes dark as the
     * {@code cut}-th message goes out, once the broker has taken the ones before it; a second pass after the
     * proxy passes again publishes the whole batch again.
     */
    private void connectionLostAt(int cut, long seed) throws Exception {
        String all = broker.orderedQueue("all", "dev.consentkit.#");
        Broker.Consumer consumer = broker.consume(all);
        for (int i = 0; i < 30; i++) {
            String subject = "subj-" + (i % 5);
            if (i % 4 == 3) {
                consents.record(
                        ConsentCommand.withdraw(subject, "marketing.email").build());
            } else {
                grant(subject, i % 2 == 0 ? "marketing.email" : "marketing.phone");
            }
        }
        int takenBeforeTheCut = cut - 1;
        Set<String> takenBeforeTheRetry = new java.util.HashSet<>();
        AtomicInteger routed = new AtomicInteger();
        try (CuttingProxy proxy = new CuttingProxy(broker.factory.getHost(), broker.factory.getPort(), 0.0, 0, seed);
                RabbitOutboxPublisher rabbit = publisher()
                        .connectionFactory(broker.through(proxy.port()))
                        .routingKey(e -> {
                            // the first attempt: once the broker has taken the messages before the cut-th, the
                            // connection dies as that one goes out
                            if (routed.incrementAndGet() == cut) {
                                awaitUnchecked(() -> consumer.distinctIds() >= takenBeforeTheCut);
                                proxy.blackout(true);
                            }
                            return ConsentEventFormat.type(e);
                        })
                        .build();
                OutboxRelay relay = OutboxRelay.builder(store)
                        .publisher(rabbit)
                        .partitionsPerPass(16)
                        .initialBackoff(Duration.ZERO)
                        .maxBackoff(Duration.ZERO)
                        .build()) {

            assertThat(relay.deliverPending()).as("the batch failed").isZero();
            assertThat(relay.backlog().depth()).as("and stays in the outbox").isEqualTo(30);
            assertThat(consumer.distinctIds()).isGreaterThanOrEqualTo(takenBeforeTheCut);
            takenBeforeTheRetry.addAll(
                    consumer.received().stream().map(Broker.Message::messageId).toList());

            proxy.blackout(false);
            assertThat(relay.deliverPending()).as("the retry reconnects").isEqualTo(30);
            assertThat(relay.backlog().depth()).isZero();
        }

        assertThat(Broker.await(PATIENCE, () -> consumer.distinctIds() >= 30)).isTrue();
        List<Broker.Message> received = consumer.received();
        assertArrivedInChainOrder(received);
        assertCopiesAreIdentical(received);
        Map<String, Long> copies =
                received.stream().collect(Collectors.groupingBy(Broker.Message::messageId, Collectors.counting()));
        // the broker took those before the cut, and perhaps more of the batch as the connection died (the proxy
        // may pass a last chunk on before it cuts): each of those comes twice, the rest once
        assertThat(takenBeforeTheRetry).hasSizeGreaterThanOrEqualTo(takenBeforeTheCut);
        assertThat(takenBeforeTheRetry)
                .as("what the broker had taken before the retry came again, with the same id")
                .allSatisfy(id -> assertThat(copies.get(id)).isEqualTo(2L));
        assertThat(copies.values()).allSatisfy(n -> assertThat(n).isBetween(1L, 2L));
        assertThat(copies.values().stream().filter(n -> n == 2).count()).isGreaterThanOrEqualTo(takenBeforeTheCut);
    }

    @Test
    void anUnroutableMessageFailsTheBatchWhichStaysUntilAQueueIsBound() throws Exception {
        String grants = broker.orderedQueue("grants", "dev.consentkit.consent.granted");
        Broker.Consumer consumer = broker.consume(grants);
        grant("alice", "marketing.email");
        consents.record(ConsentCommand.withdraw("alice", "marketing.email").build());
        grant("bob", "marketing.phone");
        List<AuditEntry> batch = List.copyOf(commitOrder);

        try (RabbitOutboxPublisher rabbit = publisher().build();
                OutboxRelay relay = OutboxRelay.builder(store)
                        .publisher(rabbit)
                        .partitionsPerPass(16)
                        .initialBackoff(Duration.ZERO)
                        .maxBackoff(Duration.ZERO)
                        .build()) {
            assertThat(relay.deliverPending()).isZero();
            assertThat(relay.backlog().depth()).isEqualTo(3);

            assertThatThrownBy(() -> rabbit.publish(batch))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("1 of 3 messages were unroutable")
                    .hasMessageContaining(commitOrder.get(1).id().toString())
                    .hasMessageNotContaining("alice");

            broker.bind(grants, "dev.consentkit.consent.withdrawn");
            assertThat(relay.deliverPending())
                    .as("routable now, on the same publisher")
                    .isEqualTo(3);
            assertThat(relay.backlog().depth()).isZero();
        }

        assertThat(Broker.await(PATIENCE, () -> consumer.distinctIds() >= 3)).isTrue();
        List<Broker.Message> received = consumer.received();
        assertArrivedInChainOrder(received);
        assertCopiesAreIdentical(received);
    }

    @Test
    void withoutMandatoryAnUnroutableMessageIsConfirmedAndDropped() throws Exception {
        grant("alice", "marketing.email");

        try (RabbitOutboxPublisher mandatory = publisher().build();
                RabbitOutboxPublisher rabbit = publisher().mandatory(false).build()) {
            assertThatThrownBy(() -> mandatory.publish(List.copyOf(commitOrder)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("unroutable");
            rabbit.publish(List.copyOf(commitOrder)); // no queue is bound at all: confirmed all the same
        }
    }

    @Test
    void aMissingExchangeFailsTheBatchAndTheNextPublishReopensTheChannel() throws Exception {
        grant("alice", "marketing.email");
        String exchange = broker.exchange + "-later";
        try (RabbitOutboxPublisher rabbit = RabbitOutboxPublisher.builder()
                .connectionFactory(broker.factory)
                .exchange(exchange)
                .confirmTimeout(Duration.ofSeconds(5))
                .build()) {
            assertThatThrownBy(() -> rabbit.publish(List.copyOf(commitOrder)))
                    .isInstanceOf(IOException.class)
                    .hasStackTraceContaining("NOT_FOUND");

            try (com.rabbitmq.client.Connection c = broker.factory.newConnection();
                    com.rabbitmq.client.Channel ch = c.createChannel()) {
                RabbitOutboxPublisher.declareExchange(ch, exchange);
                String q = RabbitOutboxPublisher.declareOrderedQueue(ch, exchange, broker.queue("later"), "#");
                try {
                    rabbit.publish(List.copyOf(commitOrder));
                    assertThat(Broker.await(PATIENCE, () -> messageCount(ch, q) == 1))
                            .isTrue();
                } finally {
                    ch.exchangeDelete(exchange);
                }
            }
        }
    }

    private static long messageCount(com.rabbitmq.client.Channel ch, String queue) {
        try {
            return ch.queueDeclarePassive(queue).getMessageCount();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The real publisher, counting its failures. */
    private static OutboxPublisher counting(RabbitOutboxPublisher publisher, AtomicInteger failures) {
        return entries -> {
            try {
                publisher.publish(entries);
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                throw e;
            }
        };
    }

    private static void awaitUnchecked(java.util.function.BooleanSupplier condition) {
        try {
            if (!Broker.await(PATIENCE, condition)) {
                throw new IllegalStateException("the condition never held");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code threads} writers, {@code each} writes apiece over {@code subjects} subjects: grants, withdrawals, preferences. */
    private void writeConcurrently(int threads, int each, int subjects, long seed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String subject = "subj-" + random.nextInt(subjects);
                        String purpose = random.nextBoolean() ? "marketing.email" : "marketing.phone";
                        int kind = random.nextInt(10);
                        if (kind < 5) {
                            grant(subject, purpose);
                        } else if (kind < 8) {
                            consents.record(
                                    ConsentCommand.withdraw(subject, purpose).build());
                        } else {
                            consents.setPreference(
                                    subject, "channel", random.nextBoolean() ? "email" : "sms", Entries.WEB);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Every committed entry arrived, nothing else did, each message describes its entry, and per subject the
     * chain sequences (after dropping ids seen before) increase.
     */
    private void assertArrivedInChainOrder(List<Broker.Message> received) {
        Map<String, Broker.Message> firstCopies = new LinkedHashMap<>();
        for (Broker.Message m : received) {
            firstCopies.putIfAbsent(m.messageId(), m);
        }
        assertThat(firstCopies.keySet())
                .as("every committed entry, and only those, by message id")
                .containsExactlyInAnyOrderElementsOf(
                        committed.keySet().stream().map(UUID::toString).toList());
        Map<String, List<Long>> sequences = new HashMap<>();
        for (Broker.Message m : firstCopies.values()) {
            AuditEntry entry = committed.get(UUID.fromString(m.messageId()));
            JsonNode event = JSON.readTree(m.body());
            String type = ConsentEventFormat.type(entry);
            assertThat(event.get("specversion").asString()).isEqualTo("1.0");
            assertThat(event.get("id").asString()).isEqualTo(m.messageId());
            assertThat(event.get("type").asString()).isEqualTo(type);
            assertThat(event.get("source").asString()).isEqualTo(entry.tenant());
            assertThat(m.type()).isEqualTo(type);
            assertThat(m.routingKey()).isEqualTo(type);
            assertThat(m.contentType()).isEqualTo(RabbitOutboxPublisher.CONTENT_TYPE);
            assertThat(m.deliveryMode()).as("persistent").isEqualTo(2);
            assertThat(m.timestamp().toInstant().getEpochSecond())
                    .isEqualTo(entry.recordedAt().getEpochSecond());
            String subject =
                    event.get("source").asString() + "/" + event.get("subject").asString();
            sequences
                    .computeIfAbsent(subject, s -> new ArrayList<>())
                    .add(event.get("data").get("chain").get("sequence").asLong());
        }
        sequences.forEach((subject, seqs) ->
                assertThat(seqs).as("chain order of %s", subject).isSorted().doesNotHaveDuplicates());
    }

    /** A redelivered message is the same message: same id, same type, same body. */
    private static void assertCopiesAreIdentical(List<Broker.Message> received) {
        Map<String, Broker.Message> first = new HashMap<>();
        for (Broker.Message m : received) {
            Broker.Message earlier = first.putIfAbsent(m.messageId(), m);
            if (earlier != null) {
                assertThat(m.body()).isEqualTo(earlier.body());
                assertThat(m.type()).isEqualTo(earlier.type());
            }
        }
    }
}
