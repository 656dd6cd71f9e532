package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import tools.jackson.databind.SequenceWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Streams a manager's audit log to auditors as JSON Lines or CSV, in append order (for one subject: chain
 * order), filtered by a {@link HistoryQuery} (subject, purposes, recorded-time range) within the manager's
 * tenant. Memory stays constant: entries are read through the store's cursor and written one at a time.
 *
 * <p>Both formats carry the same fields, named in {@link #COLUMNS}: every audit entry kind (consent,
 * preference, erasure), the evidence as stored (already minimised), and the chain link, so an auditor can
 * recompute the chain. CSV follows RFC 4180 (header row, CRLF, quoting where needed) and neutralises cells
 * that a spreadsheet would run as a formula (starting with {@code =}, {@code +}, {@code -}, {@code @}, tab or
 * carriage return) by prefixing an apostrophe.
 */
public final class AuditExporter {

    /** The fields of every exported entry, in CSV column order. */
    public static final List<String> COLUMNS = List.of("kind", "id", "tenant", "subject", "sequence", "recorded_at",
            "purpose", "purpose_version", "status", "effective_at", "expires_at", "conflict", "source",
            "collection_point", "notice_version", "notice_sha256", "locale", "actor_type", "actor_id", "ip_address",
            "user_agent", "comment", "proof_reference", "idempotency_key", "preference_key", "preference_value",
            "erasure_reason", "personal_data_digest", "previous_hash", "hash");

    private final ConsentManager consents;
    private final JsonMapper json = JsonMapper.builder().build();
    private final CsvMapper csv = CsvMapper.builder().build();

    private AuditExporter(ConsentManager consents) {
        this.consents = Objects.requireNonNull(consents, "consents");
    }

    /** An exporter for {@code consents}'s tenant. */
    public static AuditExporter of(ConsentManager consents) {
        return new AuditExporter(consents);
    }

    /**
     * Writes one JSON object per entry and line (UTF-8); absent fields are left out. Does not close {@code out}.
     *
     * @return how many entries were written
     */
    public long writeJsonLines(HistoryQuery query, OutputStream out) {
        long n = 0;
        try (Stream<AuditEntry> entries = consents.auditTrail(query);
             SequenceWriter writer = json.writer().withRootValueSeparator("\n").writeValues(unclosable(out))) {
            for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
                Map<String, Object> fields = fields(it.next());
                fields.values().removeIf(Objects::isNull);
                writer.write(fields);
                n++;
            }
        }
        if (n > 0) {
            writeNewline(out);
        }
        return n;
    }

    /**
     * Writes an RFC 4180 CSV document (UTF-8, header row, CRLF line ends) with the columns of {@link #COLUMNS};
     * absent fields are empty cells. Does not close {@code out}.
     *
     * @return how many entries (rows after the header) were written
     */
    public long writeCsv(HistoryQuery query, OutputStream out) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true).setLineSeparator("\r\n");
        COLUMNS.forEach(schema::addColumn);
        long n = 0;
        try (Stream<AuditEntry> entries = consents.auditTrail(query);
             SequenceWriter writer = csv.writer(schema.build()).writeValues(unclosable(out))) {
            for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
                Map<String, Object> fields = fields(it.next());
                List<String> row = new ArrayList<>(COLUMNS.size());
                for (String column : COLUMNS) {
                    Object value = fields.get(column);
                    row.add(value == null ? "" : neutralise(value.toString()));
                }
                writer.write(row);
                n++;
            }
        }
        return n;
    }

    /** Prefixes an apostrophe to a cell a spreadsheet would evaluate as a formula. */
    static String neutralise(String cell) {
        if (cell.isEmpty()) {
            return cell;
        }
        char first = cell.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                ? "'" + cell : cell;
    }

    /** The exported fields of one entry, in column order; absent fields map to {@code null}. */
    static Map<String, Object> fields(AuditEntry e) {
        Map<String, Object> f = new LinkedHashMap<>();
        COLUMNS.forEach(c -> f.put(c, null));
        f.put("id", e.id().toString());
        f.put("tenant", e.tenant());
        f.put("subject", e.subject().value());
        f.put("sequence", e.link().sequence());
        f.put("recorded_at", e.recordedAt().toString());
        f.put("personal_data_digest", e.personalDataDigest());
        f.put("previous_hash", e.link().previousHash());
        f.put("hash", e.link().hash());
        if (e instanceof ConsentRecord r) {
            f.put("kind", "consent");
            f.put("purpose", r.purpose().value());
            f.put("purpose_version", r.purposeVersion());
            f.put("status", r.status().name());
            f.put("effective_at", r.effectiveAt().toString());
            f.put("expires_at", r.expiresAt().map(Object::toString).orElse(null));
            f.put("conflict", r.conflict());
            f.put("idempotency_key", r.idempotencyKey().orElse(null));
            evidence(f, r.evidence());
        } else if (e instanceof PreferenceRecord p) {
            f.put("kind", "preference");
            f.put("preference_key", p.key());
            f.put("preference_value", p.value());
            evidence(f, p.evidence());
        } else if (e instanceof ErasureRecord x) {
            f.put("kind", "erasure");
            f.put("erasure_reason", x.reason());
        }
        return f;
    }

    private static void evidence(Map<String, Object> f, Evidence e) {
        f.put("source", e.source().name());
        f.put("collection_point", e.collectionPoint());
        f.put("notice_version", e.noticeVersion().orElse(null));
        f.put("notice_sha256", e.noticeTextSha256().orElse(null));
        f.put("locale", e.locale().map(Locale::toLanguageTag).orElse(null));
        f.put("actor_type", e.actor().type().name());
        f.put("actor_id", e.actor().id().orElse(null));
        f.put("ip_address", e.ipAddress().orElse(null));
        f.put("user_agent", e.userAgent().orElse(null));
        f.put("comment", e.comment().orElse(null));
        f.put("proof_reference", e.proofReference().orElse(null));
    }

    private static void writeNewline(OutputStream out) {
        try {
            out.write('\n');
            out.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Lets the writer flush at the end without closing the caller's stream. */
    private static OutputStream unclosable(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws java.io.IOException {
                out.flush();
            }
        };
    }

    @Override
    public String toString() {
        return "AuditExporter[tenant=" + consents.tenant() + "]";
    }

}
