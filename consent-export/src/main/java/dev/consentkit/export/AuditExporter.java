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
 * recompute the chain.
 *
 * <p>CSV follows RFC 4180 (header row, CRLF line ends, a field in double quotes when it holds a quote, comma, CR or
 * LF, a quote inside doubled). Two kinds of columns:
 *
 * <ul>
 *   <li>Key columns (every column not in {@link #CSV_TEXT_COLUMNS}: ids, tenant, subject, sequence, timestamps,
 *       purpose and version, status, actor, IP address, proof reference, idempotency key, preference, digests and
 *       hashes) hold the stored value byte for byte, so the chain can be recomputed and the export joined with
 *       other data without decoding. A spreadsheet may evaluate such a cell if it starts with a formula
 *       character; open the file as text columns (or read it with a CSV library) rather than double-clicking it.
 *   <li>Free-text columns ({@link #CSV_TEXT_COLUMNS}: collection point, user agent, comment, erasure reason) are
 *       neutralised reversibly. <b>Encoding:</b> a value whose first character is {@code =}, {@code +},
 *       {@code -}, {@code @}, tab (U+0009), carriage return (U+000D) or the apostrophe {@code '} itself is
 *       written with one apostrophe in front; every other value is written as stored. <b>Decoding</b>
 *       ({@link #decodeCsvText(String)}): if the cell starts with an apostrophe, drop that one apostrophe;
 *       otherwise the cell is the value. Because every stored value that starts with an apostrophe gets one
 *       more, decoding restores every value exactly and two different values never export the same; and no
 *       encoded cell starts with a formula character.
 * </ul>
 */
public final class AuditExporter {

    /** The fields of every exported entry, in CSV column order. */
    public static final List<String> COLUMNS = EntryFields.COLUMNS;

    /**
     * The free-text columns that the CSV export neutralises against spreadsheet formulas, reversibly (see the
     * class description and {@link #decodeCsvText(String)}); every other CSV column holds the stored value
     * exactly.
     */
    public static final List<String> CSV_TEXT_COLUMNS = EntryFields.FREE_TEXT_COLUMNS;

    /** The escape character that the CSV export puts in front of a free-text value that needs it. */
    public static final char CSV_TEXT_ESCAPE = '\'';

    /** By column index: whether the CSV export neutralises the column (it is in {@link #CSV_TEXT_COLUMNS}). */
    private static final boolean[] ESCAPED = escaped();

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
                for (int i = 0; i < values.length; i++) {
                    Object value = values[i];
                    if (value == null) {
                        row.add("");
                    } else {
                        String cell = value.toString();
                        row.add(ESCAPED[i] ? encodeCsvText(cell) : cell);
                    }
                }
                writer.write(row);
            });
        }
    }

    /**
     * The CSV cell for a free-text value: the value with one {@link #CSV_TEXT_ESCAPE apostrophe} in front if it
     * starts with {@code =}, {@code +}, {@code -}, {@code @}, tab, carriage return or an apostrophe, otherwise the
     * value itself. {@link #decodeCsvText(String)} reverses it for every string.
     */
    static String encodeCsvText(String value) {
        return !value.isEmpty() && needsEscape(value.charAt(0)) ? CSV_TEXT_ESCAPE + value : value;
    }

    /**
     * The stored value of a cell of one of the {@link #CSV_TEXT_COLUMNS} (after RFC 4180 unquoting): the cell
     * without its first character if that is an apostrophe, otherwise the cell itself. Not for the other columns,
     * which hold the stored value as it is.
     */
    public static String decodeCsvText(String cell) {
        return !cell.isEmpty() && cell.charAt(0) == CSV_TEXT_ESCAPE ? cell.substring(1) : cell;
    }

    /**
     * Whether a free-text value starting with {@code first} gets the escape: a character that makes a spreadsheet
     * read the cell as a formula, or the escape character itself (so that decoding is unambiguous).
     */
    private static boolean needsEscape(char first) {
        return first == '='
                || first == '+'
                || first == '-'
                || first == '@'
                || first == '\t'
                || first == '\r'
                || first == CSV_TEXT_ESCAPE;
    }

    private static boolean[] escaped() {
        boolean[] escaped = new boolean[COLUMNS.size()];
        for (int i = 0; i < escaped.length; i++) {
            escaped[i] = CSV_TEXT_COLUMNS.contains(COLUMNS.get(i));
        }
        return escaped;
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
