package dev.consentkit.export;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.export.internal.EntryFields;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.SequenceWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

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
    public static final List<String> COLUMNS = EntryFields.COLUMNS;

    private final ConsentManager consents;
    /** JSON Lines: each root object is followed by a line feed instead of Jackson's default space. */
    private final JsonMapper json = JsonMapper.builder(
                    JsonFactory.builder().rootValueSeparator("\n").build())
            .build();

    private static final SerializedString[] NAMES =
            COLUMNS.stream().map(SerializedString::new).toArray(SerializedString[]::new);
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
                Object[] values = values(entry);
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
                Object[] values = values(entry);
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
                ? "'" + cell
                : cell;
    }

    /** The exported fields of one entry by column name, in column order; absent fields map to {@code null}. */
    static Map<String, Object> fields(AuditEntry e) {
        Object[] values = values(e);
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            f.put(COLUMNS.get(i), values[i]);
        }
        return f;
    }

    /** The exported values of one entry in {@link #COLUMNS} order: String, Long, Integer, Boolean or null. */
    static Object[] values(AuditEntry e) {
        return EntryFields.values(e);
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
