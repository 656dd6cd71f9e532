package dev.consentkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three application instances on one PostgreSQL database, each with its own store, relay and Kafka producer,
 * relaying while three writers write: they share the outbox's partitions, every committed entry reaches the topic,
 * and each subject's events arrive in chain order (counting an event id's first occurrence) under one key, which
 * is the subject's keyed pseudonym, never its id.
 */
@RequiresDatabase(Database.POSTGRESQL)
class KafkaRelaysOnPostgresIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void threeRelayInstancesPublishEveryChangeOnceInOrderPerSubjectUnderItsPseudonym() throws Exception {
        String schema = "ck_kafka_" + Long.toString(System.nanoTime(), 36);
        ConsentEventFormat format = ConsentEventFormat.builder()
                .subjectPseudonymKey("kafka-bus-pseudonym-key-0123".getBytes(StandardCharsets.UTF_8))
                .build();
        List<AutoCloseable> toClose = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                HikariDataSource ds = dataSource()) {
            try {
                try (Connection c = ds.getConnection();
                        Statement st = c.createStatement()) {
                    st.execute("CREATE SCHEMA " + schema);
                }
                String topic = "consent-events-" + UUID.randomUUID();
                kafka.createTopic(topic, 4);
                JdbcConsentStore writerStore =
                        JdbcConsentStore.builder().dataSource(ds).schema(schema).build();
                writerStore.createSchemaIfMissing();
                ConsentManager consents = ConsentManager.builder()
                        .purposes(
                                Purpose.builder("marketing.email")
                                        .basis(LegalBasis.CONSENT)
                                        .build(),
                                Purpose.builder("analytics")
                                        .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                        .build())
                        .store(writerStore)
                        .build();
                List<OutboxRelay> relays = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .topic(topic)
                            .eventFormat(format)
                            .build();
                    toClose.add(publisher);
                    OutboxRelay relay = OutboxRelay.builder(JdbcConsentStore.builder()
                                    .dataSource(ds)
                                    .schema(schema)
                                    .build())
                            .name("instance-" + i)
                            .publisher(publisher)
                            .partitionsPerPass(2)
                            .batchSize(20)
                            .build();
                    toClose.add(relay);
                    relays.add(relay);
                    relay.start(Duration.ofMillis(20));
                }

                int subjects = 36;
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    int writer = w;
                    writers.add(pool.submit(() -> {
                        for (int s = writer; s < subjects; s += 3) {
                            consents.record(ConsentCommand.grant("cust-" + s, "marketing.email")
                                    .build());
                            consents.record(ConsentCommand.optOut("cust-" + s, "analytics")
                                    .build());
                            consents.record(ConsentCommand.withdraw("cust-" + s, "marketing.email")
                                    .build());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : writers) {
                    f.get(120, TimeUnit.SECONDS);
                }
                Instant deadline = Instant.now().plusSeconds(60);
                while (relays.get(0).backlog().depth() > 0 && Instant.now().isBefore(deadline)) {
                    Thread.sleep(50);
                }
                assertThat(relays.get(0).backlog().depth())
                        .as("the relays drained the outbox")
                        .isZero();

                Map<String, AuditEntry> committed = new HashMap<>();
                try (Stream<AuditEntry> all = consents.auditTrail(HistoryQuery.all())) {
                    all.forEach(e -> committed.put(e.id().toString(), e));
                }
                List<ConsumerRecord<String, String>> records =
                        kafka.readAtLeast(topic, "read_uncommitted", subjects * 3);
                Set<String> seen = new HashSet<>();
                Map<String, List<Long>> sequencesPerKey = new HashMap<>();
                Map<String, Set<Integer>> partitionsPerKey = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    JsonNode event = JSON.readTree(r.value());
                    AuditEntry entry = committed.get(event.get("id").asString());
                    assertThat(entry).isNotNull();
                    assertThat(r.key())
                            .isEqualTo(format.subject(entry))
                            .matches("[0-9a-f]{64}")
                            .doesNotContain("cust-");
                    assertThat(r.value()).doesNotContain("cust-");
                    partitionsPerKey
                            .computeIfAbsent(r.key(), k -> new HashSet<>())
                            .add(r.partition());
                    if (seen.add(entry.id().toString())) {
                        sequencesPerKey
                                .computeIfAbsent(r.key(), k -> new ArrayList<>())
                                .add(entry.link().sequence());
                    }
                }
                assertThat(seen).isEqualTo(committed.keySet());
                assertThat(sequencesPerKey).hasSize(subjects);
                sequencesPerKey.forEach((key, seqs) -> assertThat(seqs).as(key).containsExactly(1L, 2L, 3L));
                partitionsPerKey.forEach(
                        (key, partitions) -> assertThat(partitions).as(key).hasSize(1));
            } finally { // the relays and producers stop before the broker and the pool they use
                for (int i = toClose.size() - 1; i >= 0; i--) {
                    toClose.get(i).close();
                }
            }
        } finally {
            pool.shutdownNow();
            try (HikariDataSource ds = dataSource();
                    Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static HikariDataSource dataSource() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Database.POSTGRESQL.url());
        Database.POSTGRESQL.user().ifPresent(config::setUsername);
        config.setPassword(Database.POSTGRESQL.password());
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }
}
