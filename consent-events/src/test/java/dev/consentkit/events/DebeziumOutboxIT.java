package dev.consentkit.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debezium's PostgreSQL connector, in its embedded engine, with its Outbox Event Router configured as docs/outbox.md
 * shows, routes every committed change from the outbox rows' event columns with no code of ours: one record per
 * entry on topic {@code outbox.event.consentkit}, keyed by subject, the CloudEvent as the value, the entry id as the
 * event id, in commit order (so chain order per subject). A relay with {@link
 * OutboxPublisher#changeDataCaptureCleanup()} empties the table meanwhile; Debezium reads the log, not the table.
 * Needs {@code wal_level=logical} (.ci/run sets it); the test makes its own schema, slot and publication and drops
 * them.
 */
@RequiresDatabase(Database.POSTGRESQL)
class DebeziumOutboxIT {

    private static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .build();
    private static final Purpose ANALYTICS = Purpose.builder("analytics")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Analytics")
            .build();

    private final String name = "ck_dbz_" + Long.toString(System.nanoTime(), 36);
    private final JsonMapper json = JsonMapper.builder().build();
    private PGSimpleDataSource dataSource;

    @BeforeEach
    void createSchema() throws SQLException {
        dataSource = new PGSimpleDataSource();
        dataSource.setURL(Database.POSTGRESQL.url());
        Database.POSTGRESQL.user().ifPresent(dataSource::setUser);
        dataSource.setPassword(Database.POSTGRESQL.password());
        execute("CREATE SCHEMA " + name);
    }

    @AfterEach
    void dropEverything() throws SQLException {
        execute("DROP PUBLICATION IF EXISTS " + name);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name)"
                        + " FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, name);
            ps.executeQuery().close();
        }
        execute("DROP SCHEMA " + name + " CASCADE");
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The connector and router configuration docs/outbox.md shows, on this test's schema, slot and publication. */
    private Properties debezium() {
        URI url = URI.create(Database.POSTGRESQL.url().substring("jdbc:".length()));
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", url.getHost());
        p.setProperty("database.port", Integer.toString(url.getPort() < 0 ? 5432 : url.getPort()));
        p.setProperty("database.user", Database.POSTGRESQL.user().orElse("postgres"));
        p.setProperty("database.password", Database.POSTGRESQL.password());
        p.setProperty("database.dbname", url.getPath().substring(1));
        p.setProperty("topic.prefix", name);
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", name);
        p.setProperty("slot.drop.on.stop", "true");
        p.setProperty("publication.name", name);
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", name + ".consent_outbox");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("transforms", "outbox");
        p.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        p.setProperty("transforms.outbox.table.field.event.id", "entry_id");
        p.setProperty("transforms.outbox.table.field.event.key", "aggregate_id");
        p.setProperty("transforms.outbox.table.field.event.payload", "payload");
        p.setProperty("transforms.outbox.route.by.field", "aggregate_type");
        p.setProperty("transforms.outbox.table.fields.additional.placement", "event_type:header:type");
        return p;
    }

    @Test
    void debeziumsOutboxEventRouterDeliversEveryCommittedChangeInOrderPerSubject() throws Exception {
        ConsentEventFormat format = ConsentEventFormat.defaults();
        JdbcConsentStore store = JdbcConsentStore.builder()
                .dataSource(dataSource)
                .schema(name)
                .outboxEvents(format)
                .build();
        store.createSchemaIfMissing();
        ConsentManager consents = ConsentManager.builder()
                .purposes(NEWSLETTER, ANALYTICS)
                .store(store)
                .build();

        Queue<SourceRecord> received = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine = DebeziumEngine.create(Connect.class)
                        .using(debezium())
                        .notifying(event -> received.add(event.value()))
                        .using(new DebeziumEngine.ConnectorCallback() {
                            @Override
                            public void taskStarted() {
                                started.countDown();
                            }
                        })
                        .build();
                OutboxRelay cleanup = OutboxRelay.builder(store)
                        .name("debezium-cleanup")
                        .publisher(OutboxPublisher.changeDataCaptureCleanup())
                        .build()) {
            pool.submit(engine);
            assertThat(started.await(60, TimeUnit.SECONDS))
                    .as("Debezium's task started")
                    .isTrue();
            awaitActiveSlot();
            cleanup.start(Duration.ofMillis(50));

            int subjects = 12;
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int s = writer; s < subjects; s += 2) {
                        consents.record(ConsentCommand.grant("cust-" + s, "marketing.email")
                                .build());
                        consents.record(
                                ConsentCommand.optOut("cust-" + s, "analytics").build());
                        consents.record(ConsentCommand.withdraw("cust-" + s, "marketing.email")
                                .build());
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
            Instant deadline = Instant.now().plusSeconds(60);
            while (received.size() < subjects * 3 && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            deadline = Instant.now().plusSeconds(10);
            while (cleanup.backlog().depth() > 0 && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            assertThat(cleanup.backlog().depth())
                    .as("the cleanup relay emptied the table")
                    .isZero();

            Map<String, AuditEntry> committed = new HashMap<>();
            try (Stream<AuditEntry> all = consents.auditTrail(HistoryQuery.all())) {
                all.forEach(e -> committed.put(e.id().toString(), e));
            }
            assertThat(committed).hasSize(subjects * 3);
            assertThat(received).hasSize(subjects * 3);
            Map<String, List<Long>> sequences = new HashMap<>();
            for (SourceRecord record : received) {
                assertThat(record.topic()).isEqualTo("outbox.event.consentkit");
                JsonNode event = json.readTree((String) record.value());
                AuditEntry entry = committed.get(event.get("id").asString());
                assertThat(entry).as("an event for a committed entry").isNotNull();
                assertThat(record.key()).isEqualTo(entry.subject().value());
                assertThat(event).isEqualTo(json.readTree(format.toJson(entry)));
                assertThat(header(record, "id")).isEqualTo(entry.id().toString());
                assertThat(header(record, "type")).isEqualTo(ConsentEventFormat.type(entry));
                sequences
                        .computeIfAbsent((String) record.key(), k -> new ArrayList<>())
                        .add(entry.link().sequence());
            }
            assertThat(sequences).hasSize(subjects);
            sequences.forEach((subject, seqs) -> assertThat(seqs).as(subject).containsExactly(1L, 2L, 3L));
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEngineThatDiesMidBatchResumesFromItsOffsetsAndLosesNothing() throws Exception {
        ConsentEventFormat format = ConsentEventFormat.defaults();
        JdbcConsentStore store = JdbcConsentStore.builder()
                .dataSource(dataSource)
                .schema(name)
                .outboxEvents(format)
                .build();
        store.createSchemaIfMissing();
        ConsentManager consents = ConsentManager.builder()
                .purposes(NEWSLETTER, ANALYTICS)
                .store(store)
                .build();
        java.nio.file.Path offsets = java.nio.file.Files.createTempFile("consentkit-debezium-", ".offsets");
        Properties config = debezium();
        config.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        config.setProperty("offset.storage.file.filename", offsets.toString());
        config.setProperty("offset.flush.interval.ms", "100");
        config.setProperty("slot.drop.on.stop", "false"); // the slot keeps the log for the next engine
        config.setProperty("max.batch.size", "8");

        List<SourceRecord> received = java.util.Collections.synchronizedList(new ArrayList<>());
        int subjects = 10;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // the first engine takes 14 records, then its handler dies in the middle of a batch
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch firstEnded = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
            DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> first = DebeziumEngine.create(Connect.class)
                    .using(config)
                    .notifying(event -> {
                        if (taken.incrementAndGet() > 14) {
                            throw new IllegalStateException("the engine's process died mid-batch");
                        }
                        received.add(event.value());
                    })
                    .using(started(firstStarted))
                    .using((success, message, error) -> firstEnded.countDown())
                    .build();
            pool.submit(first);
            assertThat(firstStarted.await(60, TimeUnit.SECONDS)).isTrue();
            awaitActiveSlot();
            for (int s = 0; s < subjects; s++) {
                consents.record(
                        ConsentCommand.grant("cust-" + s, "marketing.email").build());
                consents.record(ConsentCommand.optOut("cust-" + s, "analytics").build());
            }
            assertThat(firstEnded.await(60, TimeUnit.SECONDS))
                    .as("the first engine stopped")
                    .isTrue();
            int beforeCrash = received.size();
            assertThat(beforeCrash).isLessThan(subjects * 2);

            // while no engine runs, writes go on; the slot keeps their log
            for (int s = 0; s < subjects; s++) {
                consents.record(
                        ConsentCommand.withdraw("cust-" + s, "marketing.email").build());
            }

            CountDownLatch secondStarted = new CountDownLatch(1);
            try (DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> second = DebeziumEngine.create(Connect.class)
                    .using(config)
                    .notifying(event -> received.add(event.value()))
                    .using(started(secondStarted))
                    .build()) {
                pool.submit(second);
                assertThat(secondStarted.await(60, TimeUnit.SECONDS)).isTrue();
                Map<String, AuditEntry> committed = new HashMap<>();
                try (Stream<AuditEntry> all = consents.auditTrail(HistoryQuery.all())) {
                    all.forEach(e -> committed.put(e.id().toString(), e));
                }
                Instant deadline = Instant.now().plusSeconds(60);
                while (distinctIds(received).size() < committed.size()
                        && Instant.now().isBefore(deadline)) {
                    Thread.sleep(50);
                }

                assertThat(distinctIds(received)).isEqualTo(committed.keySet());
                Map<String, String> firstValue = new HashMap<>();
                Map<String, List<Long>> sequences = new HashMap<>();
                synchronized (received) {
                    for (SourceRecord record : received) {
                        String value = (String) record.value();
                        String id = json.readTree(value).get("id").asString();
                        String earlier = firstValue.putIfAbsent(id, value);
                        if (earlier != null) {
                            assertThat(value)
                                    .as("a repeated event is the same event")
                                    .isEqualTo(earlier);
                            continue;
                        }
                        sequences
                                .computeIfAbsent((String) record.key(), k -> new ArrayList<>())
                                .add(committed.get(id).link().sequence());
                    }
                }
                sequences.forEach(
                        (subject, seqs) -> assertThat(seqs).as(subject).containsExactly(1L, 2L, 3L));
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            java.nio.file.Files.deleteIfExists(offsets);
        }
    }

    private static DebeziumEngine.ConnectorCallback started(CountDownLatch latch) {
        return new DebeziumEngine.ConnectorCallback() {
            @Override
            public void taskStarted() {
                latch.countDown();
            }
        };
    }

    private java.util.Set<String> distinctIds(List<SourceRecord> records) {
        synchronized (records) {
            return records.stream()
                    .map(r -> json.readTree((String) r.value()).get("id").asString())
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    private static String header(SourceRecord record, String key) {
        Header header = record.headers().lastWithName(key);
        assertThat(header).as("header " + key).isNotNull();
        return String.valueOf(header.value());
    }

    /** Waits until the connector streams from its slot, so that every later commit is read. */
    private void awaitActiveSlot() throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            try (Connection c = DriverManager.getConnection(
                            Database.POSTGRESQL.url(),
                            Database.POSTGRESQL.user().orElse("postgres"),
                            Database.POSTGRESQL.password());
                    PreparedStatement ps =
                            c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the replication slot " + name + " never became active");
    }
}
