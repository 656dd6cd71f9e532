package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectConsents;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The subject access export (GDPR Art. 15, and Art. 20 portability): one JSON document with the subject's
 * current decision per purpose, its preferences, its full history (consent, preference and erasure entries
 * with evidence and chain links, as in {@link AuditExporter#COLUMNS}) and the exact purpose versions, with
 * every localised text, that the history refers to, so the subject sees what they agreed to.
 *
 * <pre>{@code
 * { "tenant": ..., "subject": ..., "generatedAt": ...,
 *   "decisions": [ { "purpose", "allowed", "reason", "purposeVersion", "basis", "decidingRecord" } ],
 *   "preferences": { key: value },
 *   "history": [ { "kind", "id", ... } ],
 *   "purposes": [ { "id", "version", "title", "description", "basis", "dataCategories", "validity",
 *                   "reconsentFromVersion", "saleOrShare", "directMarketing", "recipients",
 *                   "texts": { locale: { "title", "description" } } } ] }
 * }</pre>
 * The history is streamed, so the document is written in constant memory.
 */
public final class SubjectAccessExport {

    private final ConsentManager consents;
    private final JsonMapper json = JsonMapper.builder().build();

    private SubjectAccessExport(ConsentManager consents) {
        this.consents = Objects.requireNonNull(consents, "consents");
    }

    /** An export for {@code consents}'s tenant. */
    public static SubjectAccessExport of(ConsentManager consents) {
        return new SubjectAccessExport(consents);
    }

    /** Writes the subject's document to {@code out} (UTF-8); does not close it. */
    public void write(String subject, OutputStream out) {
        SubjectConsents state = consents.stateOf(subject);
        Map<PurposeId, TreeSet<Integer>> referenced = new TreeMap<>();
        try (JsonGenerator g = json.createGenerator(AuditExporter.unclosable(out))) {
            g.writeStartObject();
            g.writeStringProperty("tenant", consents.tenant());
            g.writeStringProperty("subject", state.subject().value());
            g.writeStringProperty("generatedAt", state.at().toString());
            g.writeArrayPropertyStart("decisions");
            for (ConsentDecision d : state.decisions().values()) {
                g.writeStartObject();
                g.writeStringProperty("purpose", d.purpose().value());
                g.writeBooleanProperty("allowed", d.allowed());
                g.writeStringProperty("reason", d.reason().name());
                g.writeNumberProperty("purposeVersion", d.purposeVersion());
                g.writeStringProperty("basis", d.basis().name());
                if (d.record().isPresent()) {
                    g.writeStringProperty(
                            "decidingRecord", d.record().get().id().toString());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writePOJOProperty("preferences", new TreeMap<>(consents.preferences(subject)));
            g.writeArrayPropertyStart("history");
            try (Stream<AuditEntry> history = consents.auditTrail(HistoryQuery.forSubject(subject))) {
                for (Iterator<AuditEntry> it = history.iterator(); it.hasNext(); ) {
                    AuditEntry e = it.next();
                    if (e instanceof ConsentRecord r) {
                        referenced
                                .computeIfAbsent(r.purpose(), p -> new TreeSet<>())
                                .add(r.purposeVersion());
                    }
                    Map<String, Object> fields = AuditExporter.fields(e);
                    fields.values().removeIf(Objects::isNull);
                    g.writePOJO(fields);
                }
            }
            g.writeEndArray();
            g.writeArrayPropertyStart("purposes");
            referenced.forEach((id, versions) ->
                    versions.forEach(v -> consents.purposes().version(id, v).ifPresent(p -> g.writePOJO(describe(p)))));
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    static Map<String, Object> describe(Purpose p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id().value());
        m.put("version", p.version());
        m.put("title", p.title());
        m.put("description", p.description());
        m.put("basis", p.basis().name());
        m.put("dataCategories", p.dataCategories());
        p.validity().ifPresent(v -> m.put("validity", v.toString()));
        m.put("reconsentFromVersion", p.reconsentFromVersion());
        m.put("saleOrShare", p.saleOrShare());
        m.put("directMarketing", p.directMarketing());
        m.put("recipients", p.recipients());
        Map<String, Object> texts = new TreeMap<>();
        p.texts().forEach((locale, t) -> texts.put(locale.toLanguageTag(), text(t)));
        m.put("texts", texts);
        return m;
    }

    // a fixed field order, so the same document is the same bytes in every JVM
    private static Map<String, Object> text(Purpose.Text t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", t.title());
        m.put("description", t.description());
        return m;
    }
}
