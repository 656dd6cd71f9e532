package dev.consentkit.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.testsupport.TestClock;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every kind of event validates against the published JSON Schema (by an independent validator, networknt's
 * json-schema-validator), carries the CloudEvents attributes the issue names, and leaves the personal evidence out.
 */
class ConsentEventFormatTest {

    private static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .validFor(Period.ofDays(365))
            .directMarketing(true)
            .build();
    private static final Purpose SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.CONSENT)
            .title("Sale of data")
            .saleOrShare(true)
            .build();
    private static final Purpose ANALYTICS = Purpose.builder("analytics")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Analytics")
            .build();

    private final JsonMapper json = JsonMapper.builder().build();
    private final TestClock clock = TestClock.at(Instant.parse("2026-05-04T09:30:00.123456Z"));
    private final Schema schema = schema();

    private static Schema schema() {
        try (InputStream in = ConsentEventFormat.class.getResourceAsStream(ConsentEventFormat.SCHEMA_RESOURCE)) {
            assertThat(in).as("the schema ships in the jar").isNotNull();
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ConsentManager manager(ConsentStore store) {
        return ConsentManager.builder()
                .purposes(NEWSLETTER, SALE, ANALYTICS)
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly"))
                .pseudonymKey("events-test-pseudonym-key-0123456789".getBytes(StandardCharsets.UTF_8))
                .store(store)
                .clock(clock)
                .build();
    }

    /** One of every kind of entry, with personal evidence where an entry can carry it. */
    private List<AuditEntry> everyKind(ConsentManager consents) {
        Evidence personal = Evidence.builder()
                .source(Source.PHONE)
                .collectionPoint("call centre")
                .actor(Actor.agent("agent-7"))
                .locale(Locale.GERMANY)
                .ipAddress("198.51.100.7")
                .userAgent("Mozilla/5.0 (secret)")
                .comment("customer said: call me on +4930123456")
                .noticeText("the notice text")
                .noticeVersion("2026-05")
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email")
                .evidence(personal)
                .build());
        tick();
        consents.record(ConsentCommand.deny("alice", "ads.sale").build());
        tick();
        consents.record(ConsentCommand.withdraw("alice", "marketing.email").build());
        tick();
        consents.record(ConsentCommand.optOut("alice", "analytics").build());
        tick();
        consents.record(ConsentCommand.grant("bob", "marketing.email")
                .pendingConfirmation(true)
                .build());
        tick();
        consents.setPreference("bob", "newsletter.frequency", "weekly", Evidence.of(Source.WEB, "settings"));
        tick();
        consents.record(ConsentCommand.grant("carol", "ads.sale").build());
        tick();
        consents.erase("carol", "Art. 17 request");
        try (Stream<AuditEntry> all = consents.auditTrail(HistoryQuery.all())) {
            return all.toList();
        }
    }

    private void tick() {
        clock.advance(Duration.ofSeconds(1));
    }

    private List<Error> errors(JsonNode event) {
        return schema.validate(event);
    }

    @Test
    void everyKindOfEventValidatesAgainstThePublishedSchema() {
        ConsentEventFormat format = ConsentEventFormat.defaults();
        List<AuditEntry> entries = everyKind(manager(new InMemoryConsentStore()));

        Set<String> types = entries.stream().map(ConsentEventFormat::type).collect(Collectors.toSet());
        assertThat(types)
                .containsExactlyInAnyOrder(
                        "dev.consentkit.consent.granted",
                        "dev.consentkit.consent.denied",
                        "dev.consentkit.consent.withdrawn",
                        "dev.consentkit.consent.opted-out",
                        "dev.consentkit.consent.pending",
                        "dev.consentkit.preference.set",
                        "dev.consentkit.subject.erased");
        for (AuditEntry entry : entries) {
            JsonNode event = json.readTree(format.toJson(entry));
            assertThat(errors(event)).as(format.toJson(entry)).isEmpty();
            assertThat(event.get("specversion").asString()).isEqualTo("1.0");
            assertThat(event.get("id").asString()).isEqualTo(entry.id().toString());
            assertThat(event.get("source").asString()).isEqualTo("default");
            assertThat(event.get("type").asString()).isEqualTo(ConsentEventFormat.type(entry));
            assertThat(event.get("subject").asString())
                    .isEqualTo(entry.subject().value());
            assertThat(Instant.parse(event.get("time").asString())).isEqualTo(entry.recordedAt());
            assertThat(event.at("/data/chain/sequence").asLong())
                    .isEqualTo(entry.link().sequence());
            assertThat(event.at("/data/chain/hash").asString())
                    .isEqualTo(entry.link().hash());
        }
    }

    @Test
    void personalEvidenceNeverLeavesInAnEvent() {
        List<AuditEntry> entries = everyKind(manager(new InMemoryConsentStore()));
        String all = entries.stream().map(ConsentEventFormat.defaults()::toJson).collect(Collectors.joining("\n"));

        assertThat(all)
                .doesNotContain("198.51.100.7")
                .doesNotContain("Mozilla")
                .doesNotContain("+4930123456")
                .doesNotContain("agent-7")
                .doesNotContain("Art. 17 request")
                .contains("\"actor\":\"AGENT\"")
                .contains("\"collectionPoint\":\"call centre\"");
    }

    @Test
    void aPseudonymKeyReplacesTheSubjectWithAStableKeyedPseudonym() {
        ConsentEventFormat pseudonymous = ConsentEventFormat.builder()
                .subjectPseudonymKey("bus-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8))
                .build();
        List<AuditEntry> entries = everyKind(manager(new InMemoryConsentStore()));

        Map<String, Set<String>> pseudonymsPerSubject = new HashMap<>();
        for (AuditEntry e : entries) {
            JsonNode event = json.readTree(pseudonymous.toJson(e));
            assertThat(errors(event)).isEmpty();
            pseudonymsPerSubject
                    .computeIfAbsent(e.subject().value(), k -> new java.util.HashSet<>())
                    .add(event.get("subject").asString());
            assertThat(pseudonymous.aggregateId(e))
                    .isEqualTo(event.get("subject").asString());
        }
        pseudonymsPerSubject.forEach((subject, pseudonyms) -> {
            assertThat(pseudonyms).hasSize(1);
            assertThat(pseudonyms.iterator().next()).matches("[0-9a-f]{64}").isNotEqualTo(subject);
        });
        assertThat(String.join(" ", pseudonymsPerSubject.get("alice"))).doesNotContain("alice");
    }

    @Test
    void theSchemaRefusesEventsThatBreakIt() {
        AuditEntry grant = everyKind(manager(new InMemoryConsentStore())).get(0);
        ObjectNode event = ConsentEventFormat.defaults().event(grant);
        assertThat(errors(event)).isEmpty();

        ObjectNode noId = event.deepCopy();
        noId.remove("id");
        ObjectNode wrongType = event.deepCopy();
        wrongType.put("type", "dev.consentkit.preference.set");
        ObjectNode personal = event.deepCopy();
        ((ObjectNode) personal.get("data").get("evidence")).put("ipAddress", "198.51.100.7");
        ObjectNode badHash = event.deepCopy();
        ((ObjectNode) badHash.get("data").get("chain")).put("hash", "not-a-hash");

        for (ObjectNode broken : List.of(noId, wrongType, personal, badHash)) {
            assertThat(errors(broken)).as(broken.toString()).isNotEmpty();
        }
    }

    @Test
    void eventsAreByteStableForAnEntry() {
        ConsentEventFormat format = ConsentEventFormat.defaults();
        AuditEntry grant = everyKind(manager(new InMemoryConsentStore())).get(0);

        assertThat(format.toJson(grant)).isEqualTo(ConsentEventFormat.defaults().toJson(grant));
        assertThat(format.toJson(grant))
                .startsWith("{\"specversion\":\"1.0\",\"id\":\"" + grant.id() + "\",\"source\":\"default\",\"type\":");
        assertThat(format.toJson(grant)).doesNotContain("\n");
    }

    @Test
    void theJdbcOutboxCarriesTheEventColumnsWhenAFormatIsConfigured() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:events-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        ConsentEventFormat format =
                ConsentEventFormat.builder().aggregateType("consent-events").build();
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(ds).outboxEvents(format).build();
        store.createSchemaIfMissing();
        List<AuditEntry> entries = everyKind(manager(store));

        Map<String, List<String>> rows = new HashMap<>();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT entry_id, event_type, aggregate_type, aggregate_id, payload FROM consent_outbox")) {
            while (rs.next()) {
                rows.put(
                        rs.getString(1),
                        java.util.Arrays.asList(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
            }
        }
        assertThat(rows).hasSize(entries.size());
        assertThat(entries).anyMatch(e -> e.subject().value().startsWith("erased-") && !(e instanceof ErasureRecord));
        for (AuditEntry e : entries) {
            List<String> row = rows.get(e.id().toString());
            assertThat(row.get(0)).isEqualTo(ConsentEventFormat.type(e));
            assertThat(row.get(1)).isEqualTo("consent-events");
            boolean movedAtErasure = e.subject().value().startsWith("erased-") && !(e instanceof ErasureRecord);
            if (!movedAtErasure) {
                assertThat(row.get(2)).isEqualTo(e.subject().value());
                assertThat(json.readTree(row.get(3))).isEqualTo(json.readTree(format.toJson(e)));
                assertThat(errors(json.readTree(row.get(3)))).isEmpty();
            } else {
                // carol was erased: her waiting grant moved to the pseudonym and lost the columns that named her
                assertThat(row.get(2)).isNull();
                assertThat(row.get(3)).isNull();
            }
        }
    }

    @Test
    void aBadAggregateTypeOrShortKeyIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ConsentEventFormat.builder().aggregateType("with space"))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("aggregateType");
        assertThatThrownBy(() -> ConsentEventFormat.builder().subjectPseudonymKey(new byte[8]))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("subjectPseudonymKey");
    }
}
