package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.testsupport.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CSV export read back by an independent, strict RFC 4180 parser (Commons CSV): key columns hold the stored
 * values byte for byte, free-text columns decode by the documented rule to the stored values, distinct values
 * never export alike, and formula-like free text is neutralised in the file itself. The free-text columns and
 * the reverse rule are written down here as the documentation states them, not taken from the exporter.
 */
class CsvExportFidelityTest {

    /** The free-text columns, as documented (README, AuditExporter). */
    private static final Set<String> FREE_TEXT = Set.of("collection_point", "user_agent", "comment", "erasure_reason");

    /** Characters that make a spreadsheet evaluate a cell, as documented. */
    private static final String FORMULA_STARTS = "=+-@\t\r";

    /** The documented reverse rule for a free-text cell: drop one leading apostrophe if there is one. */
    private static String decode(String cell) {
        return cell.startsWith("'") ? cell.substring(1) : cell;
    }

    /** Single-line values: valid as subject ids, actor ids, user agents, idempotency keys and so on. */
    private static final List<String> LINE_VALUES = List.of(
            "=1+1",
            "+4930123456",
            "'+4930123456",
            "''+4930123456",
            "''x",
            "'x",
            "x",
            "'",
            "''",
            "-5",
            "'-5",
            "@SUM(A1)",
            "'@SUM(A1)",
            "=HYPERLINK(\"http://x\",\"click\")",
            "say \"hi\"",
            "\"",
            "a,b",
            ",lead comma",
            " =space first",
            "Grüße aus Köln",
            "東京 😀",
            "😀=1",
            "plain");

    /** Comments may hold tabs and line breaks: values that start with them, and breaks inside. */
    private static final List<String> COMMENTS = List.of(
            "\t=1+1",
            "\tTAB first",
            "'\tTAB after apostrophe",
            "\rCR first",
            "\r\nCRLF first",
            "\nLF first",
            "line1\r\nline2\nline3\rline4",
            "a,\"b\"\r\n,c",
            "=1+1\n=2+2",
            "trailing line break\n",
            "emoji 😀\tand tab");

    private static final String PREFERENCE = "newsletter.frequency";

    private final TestClock clock =
            TestClock.ticking(Instant.parse("2026-06-01T08:00:00.123456Z"), Duration.ofSeconds(1));

    private ConsentManager consents;
    private List<AuditEntry> trail;
    private String csv;
    private List<CSVRecord> rows;

    @BeforeEach
    void exportTrickyValues() throws IOException {
        List<String> preferenceValues = new ArrayList<>(LINE_VALUES);
        preferenceValues.addAll(COMMENTS);
        consents = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .build())
                .preferences(PreferenceDefinition.of(PREFERENCE, preferenceValues.toArray(String[]::new)))
                .pseudonymKey("csv-fidelity-key-0123456789".getBytes(StandardCharsets.UTF_8))
                .clock(clock)
                .build();
        int n = LINE_VALUES.size();
        for (int i = 0; i < n; i++) {
            String v = LINE_VALUES.get(i);
            Evidence evidence = Evidence.builder()
                    .source(Source.PHONE)
                    .collectionPoint(v)
                    .noticeVersion(v)
                    .locale(Locale.GERMANY)
                    .actor(Actor.agent(v))
                    .userAgent(LINE_VALUES.get((i + 1) % n))
                    .comment(v)
                    .proofReference(v)
                    .build();
            consents.record(ConsentCommand.grant(v, "marketing.email")
                    .evidence(evidence)
                    .idempotencyKey(v)
                    .build());
            consents.setPreference(v, PREFERENCE, v, Evidence.of(Source.WEB, LINE_VALUES.get((i + 2) % n)));
        }
        for (int i = 0; i < COMMENTS.size(); i++) {
            String comment = COMMENTS.get(i);
            Evidence evidence = Evidence.builder()
                    .source(Source.WEB)
                    .collectionPoint("form")
                    .comment(comment)
                    .build();
            consents.record(ConsentCommand.grant("commenter-" + i, "marketing.email")
                    .evidence(evidence)
                    .build());
            consents.setPreference("commenter-" + i, PREFERENCE, comment, Evidence.of(Source.WEB, "prefs"));
        }
        for (String reason : List.of("=art17", "'=art17", "art17")) {
            String subject = "erased-" + reason;
            consents.record(ConsentCommand.grant(subject, "marketing.email").build());
            consents.erase(subject, reason);
        }
        try (Stream<AuditEntry> s = consents.auditTrail(HistoryQuery.all())) {
            trail = s.toList();
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = AuditExporter.of(consents).writeCsv(HistoryQuery.all(), out);
        csv = out.toString(StandardCharsets.UTF_8);
        assertThat(written).isEqualTo(trail.size());

        CSVFormat strict = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .setAllowMissingColumnNames(false)
                .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
                .setIgnoreEmptyLines(false)
                .setIgnoreSurroundingSpaces(false)
                .setTrailingData(false)
                .setLenientEof(false)
                .get();
        try (CSVParser parser = CSVParser.parse(csv, strict)) {
            assertThat(parser.getHeaderNames()).containsExactlyElementsOf(AuditExporter.COLUMNS);
            rows = parser.getRecords();
        }
    }

    /** The stored value of {@code column} in {@code entry} as text; an absent field is an empty cell. */
    private static String stored(AuditEntry entry, String column) {
        return Objects.toString(AuditExporter.fields(entry).get(column), "");
    }

    @Test
    void theFileIsStrictRfc4180WithOneRecordPerEntryAndCrlfLineEnds() {
        assertThat(rows).hasSize(trail.size());
        assertThat(csv)
                .startsWith(String.join(",", AuditExporter.COLUMNS) + "\r\n")
                .endsWith("\r\n");
        for (CSVRecord row : rows) {
            assertThat(row.isConsistent())
                    .as("record %d", row.getRecordNumber())
                    .isTrue();
            assertThat(row.size()).isEqualTo(AuditExporter.COLUMNS.size());
            // every record starts right after a CRLF: no bare CR or LF ends a record
            int start = (int) row.getCharacterPosition();
            assertThat(csv.substring(start - 2, start))
                    .as("before record %d", row.getRecordNumber())
                    .isEqualTo("\r\n");
        }
    }

    @Test
    void everyStoredValueComesBackExactlyKeyColumnsAsTheyAreFreeTextByTheReverseRule() {
        assertThat(rows).hasSize(trail.size());
        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < trail.size(); i++) {
            AuditEntry entry = trail.get(i);
            CSVRecord row = rows.get(i);
            for (String column : AuditExporter.COLUMNS) {
                String cell = row.get(column);
                String value = FREE_TEXT.contains(column) ? decode(cell) : cell;
                softly.assertThat(value).as("row %d, %s", i, column).isEqualTo(stored(entry, column));
            }
        }
        softly.assertAll();
        // the tricky values did reach the export (and erasure did not remove the ones checked above)
        assertThat(rows).extracting(r -> r.get("subject")).containsAll(LINE_VALUES);
        assertThat(rows).extracting(r -> decode(r.get("comment"))).containsAll(COMMENTS);
        assertThat(rows).extracting(r -> r.get("preference_value")).containsAll(COMMENTS);
        assertThat(rows).extracting(r -> decode(r.get("erasure_reason"))).contains("=art17", "'=art17", "art17");
    }

    @Test
    void distinctStoredValuesNeverExportIdentically() {
        SoftAssertions softly = new SoftAssertions();
        for (String column : AuditExporter.COLUMNS) {
            Map<String, String> storedByCell = new HashMap<>();
            for (int i = 0; i < trail.size(); i++) {
                String value = stored(trail.get(i), column);
                String cell = rows.get(i).get(column);
                String earlier = storedByCell.putIfAbsent(cell, value);
                softly.assertThat(earlier == null || earlier.equals(value))
                        .as("%s: cell %s stands for both %s and %s", column, cell, earlier, value)
                        .isTrue();
            }
        }
        softly.assertAll();
    }

    @Test
    void formulaLikeFreeTextIsNeutralisedInTheRawFile() {
        int checked = 0;
        for (CSVRecord row : rows) {
            for (String column : FREE_TEXT) {
                String cell = row.get(column);
                if (!cell.isEmpty()) {
                    assertThat(FORMULA_STARTS.indexOf(cell.charAt(0)))
                            .as("%s cell %s", column, cell)
                            .isEqualTo(-1);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(LINE_VALUES.size() + COMMENTS.size());

        CSVRecord formula = rows.stream()
                .filter(r -> r.get("subject").equals("=1+1") && r.get("kind").equals("consent"))
                .findFirst()
                .orElseThrow();
        assertThat(formula.get("comment")).isEqualTo("'=1+1");
        assertThat(formula.get("collection_point")).isEqualTo("'=1+1");
        assertThat(formula.get("idempotency_key")).isEqualTo("=1+1");
        // the raw text: an apostrophe in front of the formula, inside the quotes (quotes alone do not stop a
        // spreadsheet from evaluating a cell)
        assertThat(csv).contains(",\"'=1+1\",");
        assertThat(csv).contains("'\t=1+1");
    }
}
