package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import tools.jackson.databind.SequenceWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consent receipts for grants, built from the stored record and the purpose version it names: the fields of
 * the Kantara Initiative Consent Receipt v1.1 that the model holds, and an ISO/IEC TS 27560-structured consent
 * record using W3C Data Privacy Vocabulary (DPV) terms for status and legal basis. The controller is
 * configuration ({@link Controller}).
 */
public final class ConsentReceipts {

    /** The receipt formats. */
    public enum Format {
        /** Kantara Consent Receipt v1.1 ({@code KI-CR-v1.1.0}). */
        KANTARA_V1_1,
        /** ISO/IEC TS 27560-structured record with DPV terms. */
        ISO_27560
    }

    private final ConsentManager consents;
    private final Controller controller;
    private final JsonMapper json = JsonMapper.builder().build();

    private ConsentReceipts(ConsentManager consents, Controller controller) {
        this.consents = Objects.requireNonNull(consents, "consents");
        this.controller = Objects.requireNonNull(controller, "controller");
    }

    /** Receipts for {@code consents}'s grants, naming {@code controller}. */
    public static ConsentReceipts of(ConsentManager consents, Controller controller) {
        return new ConsentReceipts(consents, controller);
    }

    /**
     * Writes one receipt per grant matching {@code query} as JSON Lines (UTF-8); does not close {@code out}.
     *
     * @return how many receipts were written
     */
    public long write(HistoryQuery query, Format format, OutputStream out) {
        long n = 0;
        try (Stream<ConsentRecord> records = consents.history(query);
                SequenceWriter writer =
                        json.writer().withRootValueSeparator("\n").writeValues(AuditExporter.unclosable(out))) {
            for (Iterator<ConsentRecord> it = records.iterator(); it.hasNext(); ) {
                ConsentRecord r = it.next();
                if (r.status() == ConsentStatus.GRANTED) {
                    writer.write(format == Format.KANTARA_V1_1 ? kantara(r) : iso27560(r));
                    n++;
                }
            }
        }
        if (n > 0) {
            AuditExporter.writeNewline(out);
        }
        return n;
    }

    /** The Kantara Consent Receipt v1.1 of one grant. */
    public Map<String, Object> kantara(ConsentRecord r) {
        Purpose p = purposeOf(r);
        Map<String, Object> receipt = new LinkedHashMap<>();
        receipt.put("version", "KI-CR-v1.1.0");
        receipt.put("jurisdiction", controller.jurisdiction());
        receipt.put("consentTimestamp", r.effectiveAt().getEpochSecond());
        receipt.put(
                "collectionMethod",
                r.evidence().source().name() + ": " + r.evidence().collectionPoint());
        receipt.put("consentReceiptID", r.id().toString());
        r.evidence().locale().ifPresent(l -> receipt.put("language", l.getLanguage()));
        receipt.put("piiPrincipalId", r.subject().value());
        Map<String, Object> piiController = new LinkedHashMap<>();
        piiController.put("piiController", controller.name());
        piiController.put("contact", controller.contact());
        piiController.put("address", Map.of("streetAddress", controller.address()));
        piiController.put("email", controller.email());
        piiController.put("phone", controller.phone());
        piiController.put("piiControllerUrl", controller.url());
        receipt.put("piiControllers", List.of(piiController));
        receipt.put("policyUrl", controller.policyUrl());
        Map<String, Object> purpose = new LinkedHashMap<>();
        purpose.put("purpose", p.title(r.evidence().locale().orElse(Locale.ROOT)));
        purpose.put("purposeCategory", List.of(p.id().value() + " v" + r.purposeVersion()));
        purpose.put("consentType", "EXPLICIT");
        purpose.put("piiCategory", p.dataCategories());
        purpose.put("primaryPurpose", false);
        purpose.put("termination", r.expiresAt().map(t -> "expires " + t).orElse("until withdrawn"));
        purpose.put("thirdPartyDisclosure", p.saleOrShare());
        receipt.put("services", List.of(Map.of("service", p.id().value(), "purposes", List.of(purpose))));
        receipt.put("sensitive", false);
        receipt.put("spiCat", List.of());
        return receipt;
    }

    /** The ISO/IEC TS 27560-structured record of one grant, with DPV terms. */
    public Map<String, Object> iso27560(ConsentRecord r) {
        Purpose p = purposeOf(r);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema_version", "ISO/IEC TS 27560:2023");
        record.put("record_id", r.id().toString());
        record.put("record_timestamp", r.recordedAt().toString());
        record.put("pii_principal_id", r.subject().value());
        record.put(
                "pii_controller",
                Map.of(
                        "name",
                        controller.name(),
                        "contact",
                        controller.contact(),
                        "email",
                        controller.email(),
                        "url",
                        controller.url(),
                        "jurisdiction",
                        controller.jurisdiction()));
        Map<String, Object> purpose = new LinkedHashMap<>();
        purpose.put("purpose_id", p.id().value());
        purpose.put("purpose_version", r.purposeVersion());
        purpose.put("purpose_description", p.description());
        purpose.put("legal_basis", dpvLegalBasis(p.basis()));
        purpose.put("pii_categories", p.dataCategories());
        record.put("purposes", List.of(purpose));
        record.put("consent_status", "dpv:ConsentGiven");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event_time", r.effectiveAt().toString());
        event.put("event_type", "dpv:GivingConsent");
        event.put(
                "event_by",
                r.evidence().actor().isSubject()
                        ? "dpv:DataSubject"
                        : r.evidence().actor().type().name().toLowerCase(Locale.ROOT) + ":"
                                + r.evidence().actor().id().orElse(""));
        event.put("collection_method", r.evidence().source().name());
        event.put("collection_point", r.evidence().collectionPoint());
        record.put("event", event);
        Map<String, Object> notice = new LinkedHashMap<>();
        r.evidence().noticeVersion().ifPresent(v -> notice.put("notice_version", v));
        r.evidence().noticeTextSha256().ifPresent(h -> notice.put("notice_text_sha256", h));
        r.evidence().locale().ifPresent(l -> notice.put("language", l.toLanguageTag()));
        notice.put("policy_url", controller.policyUrl());
        record.put("notice", notice);
        r.expiresAt().ifPresent(t -> record.put("expiry", t.toString()));
        record.put(
                "integrity",
                Map.of(
                        "algorithm",
                        "SHA-256",
                        "chain_hash",
                        r.link().hash(),
                        "sequence",
                        r.link().sequence()));
        return record;
    }

    /** The DPV / EU-GDPR term for a legal basis. */
    static String dpvLegalBasis(LegalBasis basis) {
        switch (basis) {
            case CONSENT:
                return "eu-gdpr:A6-1-a";
            case CONTRACT:
                return "eu-gdpr:A6-1-b";
            case LEGAL_OBLIGATION:
                return "eu-gdpr:A6-1-c";
            case VITAL_INTERESTS:
                return "eu-gdpr:A6-1-d";
            case PUBLIC_TASK:
                return "eu-gdpr:A6-1-e";
            case LEGITIMATE_INTERESTS:
            default:
                return "eu-gdpr:A6-1-f";
        }
    }

    private Purpose purposeOf(AuditEntry entry) {
        ConsentRecord r = (ConsentRecord) entry;
        return consents.purposes()
                .version(r.purpose(), r.purposeVersion())
                .orElseThrow(() -> new IllegalStateException("Purpose " + r.purpose() + " v" + r.purposeVersion()
                        + " is not declared on this manager; declare every version that was ever recorded"));
    }
}
