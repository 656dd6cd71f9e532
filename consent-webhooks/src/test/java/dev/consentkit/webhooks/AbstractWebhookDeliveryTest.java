package dev.consentkit.webhooks;

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
import dev.consentkit.jdbc.TestDatabase;
import dev.consentkit.testsupport.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The set-up the webhook tests share: a {@link JdbcConsentStore} on a real database, a {@link ConsentManager}
 * writing to it, a real {@link OutboxRelay} with short back-offs on a test clock, and a {@link TestEndpoint}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractWebhookDeliveryTest {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");
    static final Purpose NEWSLETTER =
            Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build();
    static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .saleOrShare(true)
            .build();
    static final Duration BACKOFF = Duration.ofMillis(10);
    static final Duration MAX_BACKOFF = Duration.ofMillis(50);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    TestDatabase db;
    JdbcConsentStore store;
    ConsentManager consents;
    TestClock clock;
    TestEndpoint endpoint;

    protected abstract TestDatabase openDatabase();

    @BeforeAll
    void openDb() {
        db = openDatabase();
        db.storeBuilder().build().createSchemaIfMissing();
    }

    @AfterAll
    void closeDb() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        db.clear();
        store = db.storeBuilder().build();
        consents = ConsentManager.builder()
                .purposes(NEWSLETTER, AD_SALE)
                .store(store)
                .clock(TestClock.ticking(Instant.parse("2030-01-01T00:00:00Z"), Duration.ofMillis(1)))
                .build();
        clock = TestClock.at(T0);
        endpoint = TestEndpoint.start();
    }

    @AfterEach
    void tearDown() {
        endpoint.close();
    }

    WebhookPublisher.Builder publisherBuilder(String name) {
        return WebhookPublisher.builder()
                .endpoint(name)
                .url(endpoint.url())
                .secret(SECRET)
                .dataSource(db.dataSource)
                .schema(db.schema)
                .tablePrefix(db.prefix)
                .requestTimeout(Duration.ofSeconds(5))
                .clock(clock);
    }

    WebhookPublisher publisher(UnaryOperator<WebhookPublisher.Builder> customize) {
        return customize.apply(publisherBuilder("crm")).build();
    }

    OutboxRelay relay(OutboxPublisher publisher) {
        return OutboxRelay.builder(store)
                .publisher(publisher)
                .name("webhooks")
                .partitionsPerPass(16)
                .initialBackoff(BACKOFF)
                .maxBackoff(MAX_BACKOFF)
                .clock(clock)
                .build();
    }

    WebhookDeliveries deliveries() {
        return WebhookDeliveries.builder()
                .dataSource(db.dataSource)
                .schema(db.schema)
                .tablePrefix(db.prefix)
                .build();
    }

    /** Relay passes, moving the test clock past the back-off after each, until the outbox is empty. */
    void drain(OutboxRelay relay) {
        passUntil(relay, () -> relay.backlog().depth() == 0);
    }

    /** Relay passes, moving the test clock past the back-off after each, until {@code done}. */
    void passUntil(OutboxRelay relay, BooleanSupplier done) {
        for (int pass = 0; pass < 200; pass++) {
            relay.deliverPending();
            if (done.getAsBoolean()) {
                return;
            }
            clock.advance(MAX_BACKOFF);
        }
        throw new AssertionError("not done after 200 relay passes");
    }

    /** Three entries each for alice and bob, interleaved; returned in chain order per subject. */
    Map<String, List<AuditEntry>> sixEntries() {
        List<AuditEntry> alice = new ArrayList<>();
        List<AuditEntry> bob = new ArrayList<>();
        alice.add(
                consents.record(ConsentCommand.grant("alice", "marketing.email").build()));
        bob.add(consents.record(ConsentCommand.grant("bob", "marketing.email").build()));
        alice.add(consents.record(ConsentCommand.optOut("alice", "ads.sale").build()));
        alice.add(consents.record(
                ConsentCommand.withdraw("alice", "marketing.email").build()));
        bob.add(consents.record(ConsentCommand.optOut("bob", "ads.sale").build()));
        bob.add(consents.record(
                ConsentCommand.withdraw("bob", "marketing.email").build()));
        return Map.of("alice", alice, "bob", bob);
    }

    List<AuditEntry> threeEntries(String subject) {
        List<AuditEntry> entries = new ArrayList<>();
        entries.add(
                consents.record(ConsentCommand.grant(subject, "marketing.email").build()));
        entries.add(consents.record(ConsentCommand.optOut(subject, "ads.sale").build()));
        entries.add(consents.record(
                ConsentCommand.withdraw(subject, "marketing.email").build()));
        return entries;
    }

    static List<String> ids(List<AuditEntry> entries) {
        return entries.stream().map(e -> e.id().toString()).toList();
    }

    static JsonNode json(TestEndpoint.Request r) {
        return JSON.readTree(r.body());
    }

    static String body(AuditEntry entry) {
        return ConsentEventFormat.defaults().toJson(entry);
    }

    static UUID uuid(AuditEntry entry) {
        return entry.id();
    }

    static void assertDeliveredOnce(List<WebhookDelivery> rows, String endpoint) {
        assertThat(rows)
                .filteredOn(d -> d.endpoint().equals(endpoint) && d.outcome() == DeliveryOutcome.DELIVERED)
                .hasSize(1);
    }
}
