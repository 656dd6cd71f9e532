package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.internal.IsoInstants;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.SequenceWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Streams a manager's audit log to auditors as JSON Lines or CSV, in append order (for one subject: chain
 * order), filtered by a {@link HistoryQuery} (subject, purposes, recorded-time range) within the manager's
 * tenant. Memory stays constant: entries are read through the store's cursor on the calling thread and handed,
 * a few hundred at a time, to a short-lived writer thread that formats them, so reading and writing overlap.
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
    /** JSON Lines: each root object is followed by a line feed instead of Jackson's default space. */
    private final JsonMapper json = JsonMapper.builder(JsonFactory.builder().rootValueSeparator("\n").build()).build();
    private static final SerializedString[] NAMES = COLUMNS.stream().map(SerializedString::new)
            .toArray(SerializedString[]::new);
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
        long n;
        try (Stream<AuditEntry> entries = consents.auditTrail(query);
             JsonGenerator g = json.createGenerator(unclosable(out))) {
            n = WriterThread.run(entries.iterator(), entry -> {
                @Nullable Object[] values = values(entry);
                g.writeStartObject();
                for (int i = 0; i < values.length; i++) {
                    Object v = values[i];
                    if (v == null) {
                        continue;
                    }
                    g.writeName(NAMES[i]);
                    if (v instanceof String s) {
                        g.writeString(s);
                    } else if (v instanceof Long l) {
                        g.writeNumber(l);
                    } else if (v instanceof Integer x) {
                        g.writeNumber(x);
                    } else {
                        g.writeBoolean((Boolean) v);
                    }
                }
                g.writeEndObject();
            });
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
        try (Stream<AuditEntry> entries = consents.auditTrail(query);
             SequenceWriter writer = csv.writer(schema.build()).writeValues(unclosable(out))) {
            return WriterThread.run(entries.iterator(), entry -> {
                @Nullable Object[] values = values(entry);
                List<String> row = new ArrayList<>(values.length);
                for (Object value : values) {
                    row.add(value == null ? "" : neutralise(value.toString()));
                }
                writer.write(row);
            });
        }
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

    /** The exported fields of one entry by column name, in column order; absent fields map to {@code null}. */
    static Map<String, Object> fields(AuditEntry e) {
        @Nullable Object[] values = values(e);
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            f.put(COLUMNS.get(i), values[i]);
        }
        return f;
    }

    /** The exported values of one entry in {@link #COLUMNS} order: String, Long, Integer, Boolean or null. */
    static @Nullable Object[] values(AuditEntry e) {
        @Nullable Object[] v = new Object[COLUMNS.size()];
        v[1] = e.id().toString();
        v[2] = e.tenant();
        v[3] = e.subject().value();
        v[4] = e.link().sequence();
        v[5] = IsoInstants.format(e.recordedAt());
        v[27] = e.personalDataDigest();
        v[28] = e.link().previousHash();
        v[29] = e.link().hash();
        if (e instanceof ConsentRecord r) {
            v[0] = "consent";
            v[6] = r.purpose().value();
            v[7] = r.purposeVersion();
            v[8] = r.status().name();
            v[9] = IsoInstants.format(r.effectiveAt());
            v[10] = r.expiresAt().map(IsoInstants::format).orElse(null);
            v[11] = r.conflict();
            v[23] = r.idempotencyKey().orElse(null);
            evidence(v, r.evidence());
        } else if (e instanceof PreferenceRecord p) {
            v[0] = "preference";
            v[24] = p.key();
            v[25] = p.value();
            evidence(v, p.evidence());
        } else if (e instanceof ErasureRecord x) {
            v[0] = "erasure";
            v[26] = x.reason();
        }
        return v;
    }

    private static void evidence(@Nullable Object[] v, Evidence e) {
        v[12] = e.source().name();
        v[13] = e.collectionPoint();
        v[14] = e.noticeVersion().orElse(null);
        v[15] = e.noticeTextSha256().orElse(null);
        v[16] = e.locale().map(Locale::toLanguageTag).orElse(null);
        v[17] = e.actor().type().name();
        v[18] = e.actor().id().orElse(null);
        v[19] = e.ipAddress().orElse(null);
        v[20] = e.userAgent().orElse(null);
        v[21] = e.comment().orElse(null);
        v[22] = e.proofReference().orElse(null);
    }

    /** Ends a JSON Lines document with a line feed and flushes. */
    static void writeNewline(OutputStream out) {
        try {
            out.write('\n');
            out.flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Lets the writer flush at the end without closing the caller's stream. */
    static OutputStream unclosable(OutputStream out) {
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
