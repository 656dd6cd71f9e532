package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentException;
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
 * configuration ({@link Controller}, which refuses a missing required field when it is built).
 *
 * <p>Every receipt is written with a fixed field order (the order of the Kantara specification's field tables for
 * {@link Format#KANTARA_V1_1}; the order documented on {@link #iso27560} for {@link Format#ISO_27560}), so the
 * same record, purpose version and controller always give the same bytes, in any JVM: a receipt can be hashed or
 * signed and checked again later.
 *
 * <p>Kantara receipts follow these rules of the v1.1 specification:
 * <ul>
 *   <li>A Kantara receipt records consent, and its {@code consentType} names the kind of consent. Grants of a
 *       purpose whose legal basis is not {@link LegalBasis#CONSENT} (contract, legitimate interests, ...) are not
 *       consent, so no Kantara receipt is written for them: {@link #write} skips them (they are not counted) and
 *       {@link #kantara} refuses them. The ISO 27560 record names every basis in {@code legal_basis}.</li>
 *   <li>{@code consentType} is {@code EXPLICIT} when the grant's evidence comes from a channel where the subject
 *       states its choice directly ({@link dev.consentkit.core.Source#isDirectFromSubject()}: web, app, e-mail,
 *       phone, in person, paper, API), and {@code IMPLICIT} otherwise (import, system, browser signal): the log
 *       then holds no proof of an explicit statement, so the receipt does not claim one.</li>
 *   <li>{@code thirdPartyDisclosure} is true when the purpose {@linkplain Purpose#discloses() discloses} data (it
 *       is {@linkplain Purpose#saleOrShare() sale or share}, or declares {@linkplain Purpose#recipients()
 *       recipients}), and then {@code thirdPartyName}, which the specification requires with it, names the
 *       declared recipients, joined by {@code "; "}. A disclosing purpose without declared recipients has no
 *       valid receipt: asking for one throws a {@link ConsentException} naming the purpose.</li>
 * </ul>
 */
public final class ConsentReceipts {

    /** The receipt formats. */
    public enum Format {
        /** Kantara Consent Receipt v1.1 ({@code KI-CR-v1.1.0}), for grants of consent purposes only. */
        KANTARA_V1_1,
        /** ISO/IEC TS 27560-structured record with DPV terms. */
        ISO_27560
    }

    /** How {@code thirdPartyName} joins several declared recipients. */
    public static final String RECIPIENT_SEPARATOR = "; ";

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
     * Writes one receipt per grant matching {@code query} as JSON Lines (UTF-8); does not close {@code out}. For
     * {@link Format#KANTARA_V1_1}, grants of purposes whose legal basis is not consent are skipped (see the class
     * documentation).
     *
     * @return how many receipts were written
     * @throws ConsentException when a grant's purpose version is not declared, or, for Kantara, when a
     *                               disclosing purpose declares no recipients; the receipts before it have then
     *                               been written
     */
    public long write(HistoryQuery query, Format format, OutputStream out) {
        Objects.requireNonNull(format, "format");
        long n = 0;
        try (Stream<ConsentRecord> records = consents.history(query);
                SequenceWriter writer =
                        json.writer().withRootValueSeparator("\n").writeValues(AuditExporter.unclosable(out))) {
            for (Iterator<ConsentRecord> it = records.iterator(); it.hasNext(); ) {
                ConsentRecord r = it.next();
                if (r.status() != ConsentStatus.GRANTED) {
                    continue;
                }
                if (format == Format.KANTARA_V1_1) {
                    Purpose p = purposeOf(r);
                    if (p.basis() != LegalBasis.CONSENT) {
                        continue; // not consent: no Kantara receipt (see the class documentation)
                    }
                    writer.write(kantara(r, p));
                } else {
                    writer.write(iso27560(r));
                }
                n++;
            }
        }
        if (n > 0) {
            AuditExporter.writeNewline(out);
        }
        return n;
    }

    /**
     * The Kantara Consent Receipt v1.1 of one grant, fields in the specification's order.
     *
     * @throws ConsentException when the purpose's legal basis is not consent, the purpose version is not declared,
     *                           or the purpose discloses data and declares no recipients
     */
    public Map<String, Object> kantara(ConsentRecord r) {
        Purpose p = purposeOf(r);
        if (p.basis() != LegalBasis.CONSENT) {
            throw new ConsentException("Purpose " + p.id() + " v" + p.version() + " has legal basis "
                    + p.basis() + ", not consent: a Kantara consent receipt records consent, so none is written"
                    + " (the ISO 27560 record names the basis)");
        }
        return kantara(r, p);
    }

    private Map<String, Object> kantara(ConsentRecord r, Purpose p) {
        // the specification requires thirdPartyName whenever thirdPartyDisclosure is true
        if (p.discloses() && p.recipients().isEmpty()) {
            throw new ConsentException("Purpose " + p.id() + " v" + p.version()
                    + " is sale or share but declares no recipients: a Kantara receipt that discloses data must"
                    + " name the third parties (thirdPartyName); declare them with Purpose.Builder.recipients(..)");
        }
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
        Map<String, Object> address = new LinkedHashMap<>();
        address.put("streetAddress", controller.address());
        piiController.put("address", address);
        piiController.put("email", controller.email());
        piiController.put("phone", controller.phone());
        if (controller.hasUrl()) {
            piiController.put("piiControllerUrl", controller.url());
        }
        receipt.put("piiControllers", List.of(piiController));
        receipt.put("policyUrl", controller.policyUrl());
        Map<String, Object> purpose = new LinkedHashMap<>();
        purpose.put("purpose", p.title(r.evidence().locale().orElse(Locale.ROOT)));
        purpose.put("purposeCategory", List.of(p.id().value() + " v" + r.purposeVersion()));
        purpose.put("consentType", r.evidence().source().isDirectFromSubject() ? "EXPLICIT" : "IMPLICIT");
        purpose.put("piiCategory", p.dataCategories());
        purpose.put("primaryPurpose", false);
        purpose.put("termination", r.expiresAt().map(t -> "expires " + t).orElse("until withdrawn"));
        purpose.put("thirdPartyDisclosure", p.discloses());
        if (p.discloses()) {
            purpose.put("thirdPartyName", String.join(RECIPIENT_SEPARATOR, p.recipients()));
        }
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("service", p.id().value());
        service.put("purposes", List.of(purpose));
        receipt.put("services", List.of(service));
        receipt.put("sensitive", false);
        receipt.put("spiCat", List.of());
        return receipt;
    }

    /**
     * The ISO/IEC TS 27560-structured record of one grant, with DPV terms, in this field order:
     * {@code schema_version, record_id, record_timestamp, pii_principal_id, pii_controller {name, contact, email,
     * url (when configured), jurisdiction}, purposes [{purpose_id, purpose_version, purpose_description,
     * legal_basis, pii_categories}], consent_status, event {event_time, event_type, event_by, collection_method,
     * collection_point}, notice {notice_version, notice_text_sha256, language, policy_url}, expiry,
     * integrity {algorithm, chain_hash, sequence}}; optional fields are left out when the record has no value.
     */
    public Map<String, Object> iso27560(ConsentRecord r) {
        Purpose p = purposeOf(r);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema_version", "ISO/IEC TS 27560:2023");
        record.put("record_id", r.id().toString());
        record.put("record_timestamp", r.recordedAt().toString());
        record.put("pii_principal_id", r.subject().value());
        Map<String, Object> piiController = new LinkedHashMap<>();
        piiController.put("name", controller.name());
        piiController.put("contact", controller.contact());
        piiController.put("email", controller.email());
        if (controller.hasUrl()) {
            piiController.put("url", controller.url());
        }
        piiController.put("jurisdiction", controller.jurisdiction());
        record.put("pii_controller", piiController);
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
        Map<String, Object> integrity = new LinkedHashMap<>();
        integrity.put("algorithm", "SHA-256");
        integrity.put("chain_hash", r.link().hash());
        integrity.put("sequence", r.link().sequence());
        record.put("integrity", integrity);
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
                .orElseThrow(() -> new ConsentException("Purpose " + r.purpose() + " v" + r.purposeVersion()
                        + " is not declared on this manager; declare every version that was ever recorded"));
    }
}
