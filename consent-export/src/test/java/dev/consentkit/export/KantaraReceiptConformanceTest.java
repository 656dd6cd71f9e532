package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our own assertions of the rules of the Kantara Consent Receipt v1.1 specification that the receipts must keep:
 * required fields hold values, a disclosure names the third party, {@code consentType} describes consent only,
 * and a receipt is the same bytes every time it is written.
 */
class KantaraReceiptConformanceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Controller ACME = SubjectAccessAndReceiptsTest.ACME;

    private static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .dataCategories("email", "name")
            .build();
    private static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.CONSENT)
            .title("Sale to ad partners")
            .dataCategories("device-id")
            .saleOrShare(true)
            .recipients("Ad partner GmbH", "Measure Ltd")
            .build();
    private static final Purpose AD_SALE_UNNAMED = Purpose.builder("ads.unnamed")
            .basis(LegalBasis.CONSENT)
            .saleOrShare(true)
            .build();
    private static final Purpose SHARED = Purpose.builder("support.shared")
            .basis(LegalBasis.CONSENT)
            .recipients("Helpdesk Processor AG")
            .build();
    private static final Purpose BILLING =
            Purpose.builder("billing").basis(LegalBasis.CONTRACT).build();
    private static final Purpose ANALYTICS =
            Purpose.builder("analytics").basis(LegalBasis.LEGITIMATE_INTERESTS).build();

    private static final Evidence WEB = Evidence.builder()
            .source(Source.WEB)
            .collectionPoint("signup-form")
            .locale(Locale.GERMAN)
            .build();

    private final ConsentManager consents = ConsentManager.builder()
            .purposes(NEWSLETTER, AD_SALE, AD_SALE_UNNAMED, SHARED, BILLING, ANALYTICS)
            .clock(Clock.fixed(Instant.parse("2026-06-01T08:00:00Z"), ZoneOffset.UTC))
            .build();

    private ConsentRecord grant(String subject, String purpose, Evidence evidence) {
        return consents.record(
                ConsentCommand.grant(subject, purpose).evidence(evidence).build());
    }

    private static String write(ConsentReceipts receipts, HistoryQuery query, ConsentReceipts.Format format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        receipts.write(query, format, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<JsonNode> kantara(HistoryQuery query) {
        return write(ConsentReceipts.of(consents, ACME), query, ConsentReceipts.Format.KANTARA_V1_1)
                .lines()
                .map(JSON::readTree)
                .toList();
    }

    private static JsonNode purposeOf(JsonNode receipt) {
        return receipt.get("services").get(0).get("purposes").get(0);
    }

    // ------------------------------------------------------------ third parties

    @Test
    void aSaleOrSharePurposeNamesItsDeclaredRecipientsAsTheThirdParty() {
        grant("alice", "ads.sale", WEB);

        JsonNode purpose = purposeOf(kantara(HistoryQuery.all()).get(0));

        assertThat(purpose.get("thirdPartyDisclosure").asBoolean()).isTrue();
        assertThat(purpose.get("thirdPartyName").asString()).isEqualTo("Ad partner GmbH; Measure Ltd");
    }

    @Test
    void aPurposeWithRecipientsDisclosesEvenWhenItIsNotSaleOrShare() {
        grant("alice", "support.shared", WEB);

        JsonNode purpose = purposeOf(kantara(HistoryQuery.all()).get(0));

        assertThat(purpose.get("thirdPartyDisclosure").asBoolean()).isTrue();
        assertThat(purpose.get("thirdPartyName").asString()).isEqualTo("Helpdesk Processor AG");
    }

    @Test
    void aPurposeThatDisclosesNothingHasNoThirdPartyName() {
        grant("alice", "marketing.email", WEB);

        JsonNode purpose = purposeOf(kantara(HistoryQuery.all()).get(0));

        assertThat(purpose.get("thirdPartyDisclosure").asBoolean()).isFalse();
        assertThat(purpose.has("thirdPartyName")).isFalse();
    }

    @Test
    void aSaleOrSharePurposeWithoutRecipientsIsRefusedNamingThePurpose() {
        ConsentRecord r = grant("alice", "ads.unnamed", WEB);
        ConsentReceipts receipts = ConsentReceipts.of(consents, ACME);

        assertThatThrownBy(() -> receipts.kantara(r))
                .isInstanceOf(ConsentException.class)
                .hasMessageContaining("ads.unnamed")
                .hasMessageContaining("recipients");
        assertThatThrownBy(() -> write(receipts, HistoryQuery.all(), ConsentReceipts.Format.KANTARA_V1_1))
                .isInstanceOf(ConsentException.class)
                .hasMessageContaining("ads.unnamed");
    }

    @Test
    void everyReceiptThatDisclosesNamesTheThirdParty() {
        grant("alice", "marketing.email", WEB);
        grant("alice", "ads.sale", WEB);
        grant("bob", "support.shared", WEB);

        List<JsonNode> receipts = kantara(HistoryQuery.all());

        assertThat(receipts).hasSize(3).allSatisfy(receipt -> {
            JsonNode purpose = purposeOf(receipt);
            if (purpose.get("thirdPartyDisclosure").asBoolean()) {
                assertThat(purpose.get("thirdPartyName").asString()).isNotBlank();
            }
        });
    }

    // ------------------------------------------------------------ controller

    @ParameterizedTest
    @ValueSource(strings = {"name", "contact", "address", "email", "phone", "policyUrl", "jurisdiction"})
    void aControllerWithoutARequiredFieldIsRefusedNamingIt(String field) {
        for (String missing : new String[] {"", "  ", null}) {
            assertThatThrownBy(() -> controllerWith(field, missing))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("controller." + field);
        }
        assertThatThrownBy(() -> controllerWith(field, "line\nbreak"))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("controller." + field);
    }

    @Test
    void theControllerUrlIsOptionalAndLeftOutWhenNotConfigured() {
        grant("alice", "marketing.email", WEB);
        Controller noUrl = controllerWith("url", "");

        JsonNode kantara = JSON.readTree(
                write(ConsentReceipts.of(consents, noUrl), HistoryQuery.all(), ConsentReceipts.Format.KANTARA_V1_1));
        JsonNode iso = JSON.readTree(
                write(ConsentReceipts.of(consents, noUrl), HistoryQuery.all(), ConsentReceipts.Format.ISO_27560));

        assertThat(kantara.get("piiControllers").get(0).has("piiControllerUrl")).isFalse();
        assertThat(iso.get("pii_controller").has("url")).isFalse();
        assertThatThrownBy(() -> controllerWith("url", " "))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("controller.url");
        assertThatThrownBy(() -> controllerWith("url", null))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("controller.url");
    }

    @Test
    void everyRequiredFieldOfAReceiptHoldsAValue() {
        grant("alice", "marketing.email", WEB);

        JsonNode receipt = kantara(HistoryQuery.all()).get(0);

        for (String field : List.of(
                "version", "jurisdiction", "collectionMethod", "consentReceiptID", "piiPrincipalId", "policyUrl")) {
            assertThat(receipt.get(field).asString()).as(field).isNotBlank();
        }
        JsonNode controller = receipt.get("piiControllers").get(0);
        for (String field : List.of("piiController", "contact", "email", "phone")) {
            assertThat(controller.get(field).asString()).as(field).isNotBlank();
        }
        assertThat(controller.get("address").get("streetAddress").asString()).isNotBlank();
        JsonNode purpose = purposeOf(receipt);
        for (String field : List.of("purpose", "consentType", "termination")) {
            assertThat(purpose.get(field).asString()).as(field).isNotBlank();
        }
    }

    private static Controller controllerWith(String field, String value) {
        Function<String, String> v = f -> f.equals(field) ? value : of(f);
        return new Controller(
                v.apply("name"),
                v.apply("contact"),
                v.apply("address"),
                v.apply("email"),
                v.apply("phone"),
                v.apply("url"),
                v.apply("policyUrl"),
                v.apply("jurisdiction"));
    }

    private static String of(String field) {
        return switch (field) {
            case "name" -> ACME.name();
            case "contact" -> ACME.contact();
            case "address" -> ACME.address();
            case "email" -> ACME.email();
            case "phone" -> ACME.phone();
            case "url" -> ACME.url();
            case "policyUrl" -> ACME.policyUrl();
            default -> ACME.jurisdiction();
        };
    }

    // ------------------------------------------------------------ consent type

    @Test
    void grantsOnContractOrLegitimateInterestsGetNoKantaraReceipt() {
        ConsentRecord contract = grant("alice", "billing", WEB);
        ConsentRecord interests = grant("alice", "analytics", WEB);
        grant("alice", "marketing.email", WEB);
        ConsentReceipts receipts = ConsentReceipts.of(consents, ACME);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = receipts.write(HistoryQuery.all(), ConsentReceipts.Format.KANTARA_V1_1, out);
        List<JsonNode> written =
                out.toString(StandardCharsets.UTF_8).lines().map(JSON::readTree).toList();

        assertThat(n).isEqualTo(1);
        assertThat(written)
                .singleElement()
                .satisfies(
                        r -> assertThat(r.get("services").get(0).get("service").asString())
                                .isEqualTo("marketing.email"));
        assertThatThrownBy(() -> receipts.kantara(contract))
                .isInstanceOf(ConsentException.class)
                .hasMessageContaining("billing")
                .hasMessageContaining("CONTRACT");
        assertThatThrownBy(() -> receipts.kantara(interests))
                .isInstanceOf(ConsentException.class)
                .hasMessageContaining("analytics")
                .hasMessageContaining("LEGITIMATE_INTERESTS");
        // the ISO 27560 record names the basis instead
        List<JsonNode> iso = write(receipts, HistoryQuery.all(), ConsentReceipts.Format.ISO_27560)
                .lines()
                .map(JSON::readTree)
                .toList();
        assertThat(iso)
                .extracting(r -> r.get("purposes").get(0).get("legal_basis").asString())
                .containsExactly("eu-gdpr:A6-1-b", "eu-gdpr:A6-1-f", "eu-gdpr:A6-1-a");
    }

    @Test
    void consentTypeIsExplicitOnlyWhenTheSubjectStatedItsChoiceDirectly() {
        grant("alice", "marketing.email", WEB);
        grant("bob", "marketing.email", Evidence.of(Source.PAPER, "branch-form"));
        grant("carol", "marketing.email", Evidence.of(Source.IMPORT, "crm-migration-2025"));
        grant("dave", "marketing.email", Evidence.of(Source.SYSTEM, "default-on"));

        List<String> types = new ArrayList<>();
        for (Iterator<JsonNode> it = kantara(HistoryQuery.all()).iterator(); it.hasNext(); ) {
            JsonNode r = it.next();
            types.add(r.get("piiPrincipalId").asString() + "="
                    + purposeOf(r).get("consentType").asString());
        }

        assertThat(types)
                .containsExactlyInAnyOrder("alice=EXPLICIT", "bob=EXPLICIT", "carol=IMPLICIT", "dave=IMPLICIT");
    }

    // ------------------------------------------------------------ byte stability

    @Test
    void aKantaraReceiptIsTheSameBytesEveryTimeInAFixedFieldOrder() {
        ConsentRecord r = grant("alice", "ads.sale", WEB);
        HistoryQuery query = HistoryQuery.forSubject("alice");

        String first = write(ConsentReceipts.of(consents, ACME), query, ConsentReceipts.Format.KANTARA_V1_1);
        String second = write(ConsentReceipts.of(consents, ACME), query, ConsentReceipts.Format.KANTARA_V1_1);

        String golden = "{\"version\":\"KI-CR-v1.1.0\",\"jurisdiction\":\"DE\",\"consentTimestamp\":1780300800,"
                + "\"collectionMethod\":\"WEB: signup-form\",\"consentReceiptID\":\"" + r.id() + "\","
                + "\"language\":\"de\",\"piiPrincipalId\":\"alice\","
                + "\"piiControllers\":[{\"piiController\":\"ACME GmbH\",\"contact\":\"Data Protection Officer\","
                + "\"address\":{\"streetAddress\":\"Hauptstr. 1, 10115 Berlin\"},\"email\":\"privacy@acme.example\","
                + "\"phone\":\"+49 30 1234\",\"piiControllerUrl\":\"https://acme.example\"}],"
                + "\"policyUrl\":\"https://acme.example/privacy\","
                + "\"services\":[{\"service\":\"ads.sale\",\"purposes\":[{\"purpose\":\"Sale to ad partners\","
                + "\"purposeCategory\":[\"ads.sale v1\"],\"consentType\":\"EXPLICIT\",\"piiCategory\":[\"device-id\"],"
                + "\"primaryPurpose\":false,\"termination\":\"until withdrawn\",\"thirdPartyDisclosure\":true,"
                + "\"thirdPartyName\":\"Ad partner GmbH; Measure Ltd\"}]}],"
                + "\"sensitive\":false,\"spiCat\":[]}\n";
        assertThat(first).isEqualTo(golden);
        assertThat(second.getBytes(StandardCharsets.UTF_8)).isEqualTo(first.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anIso27560RecordIsTheSameBytesEveryTimeInAFixedFieldOrder() {
        ConsentRecord r = grant("alice", "marketing.email", WEB);
        HistoryQuery query = HistoryQuery.forSubject("alice");

        String first = write(ConsentReceipts.of(consents, ACME), query, ConsentReceipts.Format.ISO_27560);
        String second = write(ConsentReceipts.of(consents, ACME), query, ConsentReceipts.Format.ISO_27560);

        String golden = "{\"schema_version\":\"ISO/IEC TS 27560:2023\",\"record_id\":\"" + r.id() + "\","
                + "\"record_timestamp\":\"2026-06-01T08:00:00Z\",\"pii_principal_id\":\"alice\","
                + "\"pii_controller\":{\"name\":\"ACME GmbH\",\"contact\":\"Data Protection Officer\","
                + "\"email\":\"privacy@acme.example\",\"url\":\"https://acme.example\",\"jurisdiction\":\"DE\"},"
                + "\"purposes\":[{\"purpose_id\":\"marketing.email\",\"purpose_version\":1,"
                + "\"purpose_description\":\"\",\"legal_basis\":\"eu-gdpr:A6-1-a\",\"pii_categories\":[\"email\",\"name\"]}],"
                + "\"consent_status\":\"dpv:ConsentGiven\","
                + "\"event\":{\"event_time\":\"2026-06-01T08:00:00Z\",\"event_type\":\"dpv:GivingConsent\","
                + "\"event_by\":\"dpv:DataSubject\",\"collection_method\":\"WEB\",\"collection_point\":\"signup-form\"},"
                + "\"notice\":{\"language\":\"de\",\"policy_url\":\"https://acme.example/privacy\"},"
                + "\"integrity\":{\"algorithm\":\"SHA-256\",\"chain_hash\":\""
                + r.link().hash() + "\",\"sequence\":1}}\n";
        assertThat(first).isEqualTo(golden);
        assertThat(second.getBytes(StandardCharsets.UTF_8)).isEqualTo(first.getBytes(StandardCharsets.UTF_8));
    }
}
