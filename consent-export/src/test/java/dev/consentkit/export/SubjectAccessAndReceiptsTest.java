package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SubjectAccessAndReceiptsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** A controller with every field set; other tests of this package use it too. */
    static final Controller ACME = new Controller(
            "ACME GmbH",
            "Data Protection Officer",
            "Hauptstr. 1, 10115 Berlin",
            "privacy@acme.example",
            "+49 30 1234",
            "https://acme.example",
            "https://acme.example/privacy",
            "DE");

    private ConsentManager consents;
    private ConsentRecord grantV1;
    private ConsentRecord grantV2;

    @BeforeEach
    void record() {
        consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .version(1)
                                .basis(LegalBasis.CONSENT)
                                .title("Newsletter")
                                .description("Monthly news")
                                .dataCategories("email")
                                .validFor(Period.ofMonths(13))
                                .text(Locale.GERMAN, "Newsletter (de)", "Monatliche Neuigkeiten")
                                .build(),
                        Purpose.builder("marketing.email")
                                .version(2)
                                .basis(LegalBasis.CONSENT)
                                .title("Newsletter")
                                .description("Weekly news")
                                .dataCategories("email", "name")
                                .reconsentFromVersion(2)
                                .build(),
                        Purpose.builder("analytics")
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Analytics")
                                .build())
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly"))
                .pseudonymKey("receipts-test-key-0123456789".getBytes(StandardCharsets.UTF_8))
                .clock(Clock.fixed(Instant.parse("2026-06-01T08:00:00Z"), ZoneOffset.UTC))
                .build();
        Evidence web = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form")
                .locale(Locale.GERMAN)
                .noticeVersion("2026-05")
                .noticeText("Wir senden ...")
                .build();
        grantV1 = consents.record(ConsentCommand.grant("alice", "marketing.email")
                .purposeVersion(1)
                .evidence(web)
                .build());
        grantV2 = consents.record(
                ConsentCommand.grant("alice", "marketing.email").evidence(web).build());
        consents.record(ConsentCommand.optOut("alice", "analytics").build());
        consents.setPreference("alice", "newsletter.frequency", "weekly", web);
    }

    private JsonNode subjectAccess(String subject) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectAccessExport.of(consents).write(subject, out);
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void subjectAccessExportHoldsDecisionsPreferencesHistoryAndTheAgreedTexts() {
        JsonNode doc = subjectAccess("alice");

        assertThat(doc.get("subject").asString()).isEqualTo("alice");
        assertThat(doc.get("decisions")).hasSize(2);
        JsonNode newsletter = doc.get("decisions").get(1);
        assertThat(newsletter.get("purpose").asString()).isEqualTo("marketing.email");
        assertThat(newsletter.get("reason").asString()).isEqualTo("GRANTED");
        assertThat(newsletter.get("decidingRecord").asString())
                .isEqualTo(grantV2.id().toString());
        assertThat(doc.get("decisions").get(0).get("reason").asString()).isEqualTo("OPTED_OUT");
        assertThat(doc.get("preferences").get("newsletter.frequency").asString())
                .isEqualTo("weekly");
        assertThat(doc.get("history")).hasSize(4);
        assertThat(doc.get("history").get(0).get("id").asString())
                .isEqualTo(grantV1.id().toString());
        assertThat(doc.get("history").get(3).get("kind").asString()).isEqualTo("preference");
        JsonNode purposes = doc.get("purposes");
        assertThat(purposes).hasSize(3);
        assertThat(purposes.get(1).get("id").asString()).isEqualTo("marketing.email");
        assertThat(purposes.get(1).get("version").asInt()).isEqualTo(1);
        assertThat(purposes.get(1).get("description").asString()).isEqualTo("Monthly news");
        assertThat(purposes.get(1).get("texts").get("de").get("title").asString())
                .isEqualTo("Newsletter (de)");
        assertThat(purposes.get(2).get("version").asInt()).isEqualTo(2);
        assertThat(purposes.get(1).get("recipients")).isEmpty();
    }

    @Test
    void subjectAccessExportOfAnErasedSubjectHoldsNoHistory() {
        consents.erase("alice", "art17-request");
        JsonNode doc = subjectAccess("alice");

        assertThat(doc.get("decisions"))
                .allSatisfy(d -> assertThat(d.get("reason").asString()).isEqualTo("ERASED"));
        assertThat(doc.get("history")).isEmpty();
        assertThat(doc.toString()).doesNotContain("signup-form");
    }

    @Test
    void kantaraReceiptsCoverGrantsOnly() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = ConsentReceipts.of(consents, ACME).write(HistoryQuery.all(), ConsentReceipts.Format.KANTARA_V1_1, out);
        List<JsonNode> receipts =
                out.toString(StandardCharsets.UTF_8).lines().map(JSON::readTree).toList();

        assertThat(n).isEqualTo(2);
        assertThat(receipts).hasSize(2);
        JsonNode r = receipts.get(1);
        assertThat(r.get("version").asString()).isEqualTo("KI-CR-v1.1.0");
        assertThat(r.get("consentReceiptID").asString()).isEqualTo(grantV2.id().toString());
        assertThat(r.get("piiPrincipalId").asString()).isEqualTo("alice");
        assertThat(r.get("jurisdiction").asString()).isEqualTo("DE");
        assertThat(r.get("consentTimestamp").asLong())
                .isEqualTo(grantV2.effectiveAt().getEpochSecond());
        assertThat(r.get("piiControllers").get(0).get("piiController").asString())
                .isEqualTo("ACME GmbH");
        JsonNode purpose = r.get("services").get(0).get("purposes").get(0);
        assertThat(purpose.get("purposeCategory").get(0).asString()).isEqualTo("marketing.email v2");
        assertThat(purpose.get("piiCategory")).hasSize(2);
        assertThat(purpose.get("consentType").asString()).isEqualTo("EXPLICIT");
    }

    @Test
    void iso27560RecordsUseDpvTermsAndCarryTheChainHash() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConsentReceipts.of(consents, ACME)
                .write(HistoryQuery.forSubject("alice"), ConsentReceipts.Format.ISO_27560, out);
        JsonNode r = JSON.readTree(
                out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());

        assertThat(r.get("record_id").asString()).isEqualTo(grantV1.id().toString());
        assertThat(r.get("consent_status").asString()).isEqualTo("dpv:ConsentGiven");
        assertThat(r.get("purposes").get(0).get("legal_basis").asString()).isEqualTo("eu-gdpr:A6-1-a");
        assertThat(r.get("purposes").get(0).get("purpose_version").asInt()).isEqualTo(1);
        assertThat(r.get("event").get("event_by").asString()).isEqualTo("dpv:DataSubject");
        assertThat(r.get("notice").get("notice_text_sha256").asString())
                .isEqualTo(grantV1.evidence().noticeTextSha256().orElseThrow());
        assertThat(r.get("integrity").get("chain_hash").asString())
                .isEqualTo(grantV1.link().hash());
        assertThat(ConsentReceipts.dpvLegalBasis(LegalBasis.LEGITIMATE_INTERESTS))
                .isEqualTo("eu-gdpr:A6-1-f");
    }
}
