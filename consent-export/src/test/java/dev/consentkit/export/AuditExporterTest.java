package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.testsupport.TestClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

class AuditExporterTest {

    /** Every record a second later than the one before. */
    private final TestClock clock =
            TestClock.ticking(Instant.parse("2026-06-01T08:00:00.123456Z"), Duration.ofSeconds(1));

    private ConsentManager consents;
    private List<AuditEntry> trail;

    @BeforeEach
    void record() {
        consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .validFor(Period.ofMonths(13))
                                .build(),
                        Purpose.builder("analytics")
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .build())
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly"))
                .evidencePolicy(EvidencePolicy.builder()
                        .ipAddress(EvidencePolicy.Minimisation.KEEP)
                        .build())
                .pseudonymKey("export-test-key-0123456789".getBytes(StandardCharsets.UTF_8))
                .clock(clock)
                .build();
        Evidence tricky = Evidence.builder()
                .source(Source.PHONE)
                .collectionPoint("call, centre \"east\"")
                .actor(Actor.agent("-agent-7"))
                .locale(Locale.GERMANY)
                .ipAddress("198.51.100.7")
                .userAgent("@evil")
                .comment("=HYPERLINK(\"http://x\")\nsecond line, with comma")
                .noticeText("notice")
                .proofReference("+proof")
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email")
                .evidence(tricky)
                .idempotencyKey("k-1")
                .build());
        consents.record(ConsentCommand.optOut("bob", "analytics").build());
        consents.setPreference("alice", "newsletter.frequency", "weekly", Evidence.of(Source.WEB, "prefs"));
        consents.record(ConsentCommand.grant("carol", "marketing.email").build());
        consents.erase("carol", "art17-request");
        try (Stream<AuditEntry> s = consents.auditTrail(HistoryQuery.all())) {
            trail = s.toList();
        }
    }

    private static String export(boolean csv, ConsentManager consents, HistoryQuery query) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditExporter exporter = AuditExporter.of(consents);
        long n = csv ? exporter.writeCsv(query, out) : exporter.writeJsonLines(query, out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(n)
                .isEqualTo(
                        csv
                                ? text.split("\r\n(?=[a-z]+,)").length - 1
                                : text.lines().count());
        return text;
    }

    private static Map<String, String> expected(AuditEntry e, boolean neutralised) {
        Map<String, String> m = new LinkedHashMap<>();
        AuditExporter.fields(e).forEach((k, v) -> {
            if (v != null) {
                boolean text = neutralised && AuditExporter.CSV_TEXT_COLUMNS.contains(k);
                m.put(k, text ? AuditExporter.encodeCsvText(v.toString()) : v.toString());
            }
        });
        return m;
    }

    @Nested
    class JsonLines {

        @Test
        void everyEntryRoundTripsInAppendOrder() {
            String text = export(false, consents, HistoryQuery.all());
            List<Map<String, String>> parsed = new ArrayList<>();
            JsonMapper mapper = JsonMapper.builder().build();
            text.lines().forEach(line -> {
                Map<String, Object> raw = mapper.readValue(line, Map.class);
                Map<String, String> m = new LinkedHashMap<>();
                raw.forEach((k, v) -> m.put(k, Objects.toString(v)));
                parsed.add(m);
            });

            assertThat(trail).hasSize(5);
            assertThat(parsed).hasSize(trail.size());
            for (int i = 0; i < trail.size(); i++) {
                assertThat(parsed.get(i)).as("entry %d", i).isEqualTo(expected(trail.get(i), false));
            }
            assertThat(parsed)
                    .extracting(m -> m.get("kind"))
                    .containsExactly("consent", "consent", "preference", "consent", "erasure");
            assertThat(text).endsWith("\n").doesNotContain("carol");
        }

        @Test
        void aLogLongerThanTheWritersQueueArrivesWholeAndInOrder() {
            List<ConsentCommand> many = new ArrayList<>();
            for (int i = 0; i < WriterThread.BATCH * WriterThread.IN_FLIGHT * 2; i++) {
                many.add(ConsentCommand.grant("subject-" + i, i % 2 == 0 ? "analytics" : "marketing.email")
                        .build());
            }
            consents.recordAll(many);
            List<String> ids;
            try (Stream<AuditEntry> s = consents.auditTrail(HistoryQuery.all())) {
                ids = s.map(e -> e.id().toString()).toList();
            }

            String jsonLines = export(false, consents, HistoryQuery.all());
            String csv = export(true, consents, HistoryQuery.all());

            JsonMapper mapper = JsonMapper.builder().build();
            assertThat(jsonLines.lines().map(line ->
                            (String) mapper.readValue(line, Map.class).get("id")))
                    .containsExactlyElementsOf(ids);
            assertThat(csv.split("\r\n")).hasSize(ids.size() + 1);
        }

        @Test
        void filtersBySubjectAndTime() {
            String alice = export(false, consents, HistoryQuery.forSubject("alice"));
            assertThat(alice.lines()).hasSize(2).allMatch(l -> l.contains("\"subject\":\"alice\""));

            Instant from = trail.get(1).recordedAt();
            String window = export(
                    false,
                    consents,
                    HistoryQuery.builder()
                            .recordedFrom(from)
                            .recordedTo(trail.get(2).recordedAt())
                            .build());
            assertThat(window.lines())
                    .singleElement()
                    .satisfies(l -> assertThat(l).contains("\"subject\":\"bob\""));

            assertThat(export(false, consents, HistoryQuery.forSubject("nobody")))
                    .isEmpty();
        }
    }

    @Nested
    class Csv {

        @Test
        void everyEntryRoundTripsThroughAnRfc4180Parser() {
            String text = export(true, consents, HistoryQuery.all());
            CsvMapper mapper = CsvMapper.builder().build();
            List<Map<String, String>> rows;
            try (MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class)
                    .with(CsvSchema.emptySchema().withHeader())
                    .readValues(text)) {
                rows = it.readAll();
            }

            assertThat(text).startsWith(String.join(",", AuditExporter.COLUMNS) + "\r\n");
            assertThat(rows).hasSize(trail.size());
            for (int i = 0; i < trail.size(); i++) {
                Map<String, String> row = new LinkedHashMap<>(rows.get(i));
                row.values().removeIf(String::isEmpty);
                assertThat(row).as("row %d", i).isEqualTo(expected(trail.get(i), true));
            }
        }

        @Test
        void cellsASpreadsheetWouldEvaluateAreNeutralised() {
            String text = export(true, consents, HistoryQuery.forSubject("alice"));
            Map<String, String> row;
            try (MappingIterator<Map<String, String>> it = CsvMapper.builder()
                    .build()
                    .readerFor(Map.class)
                    .with(CsvSchema.emptySchema().withHeader())
                    .readValues(text)) {
                row = it.next();
            }

            assertThat(row)
                    .containsEntry("comment", "'=HYPERLINK(\"http://x\")\nsecond line, with comma")
                    .containsEntry("user_agent", "'@evil")
                    .containsEntry("collection_point", "call, centre \"east\"")
                    // key columns hold the stored value exactly, formula-like or not
                    .containsEntry("actor_id", "-agent-7")
                    .containsEntry("proof_reference", "+proof");
            assertThat(text).contains("\"call, centre \"\"east\"\"\"");
            assertThat(AuditExporter.CSV_TEXT_COLUMNS)
                    .containsExactly("collection_point", "user_agent", "comment", "erasure_reason");
            assertThat(AuditExporter.COLUMNS).containsAll(AuditExporter.CSV_TEXT_COLUMNS);
        }

        @Test
        void freeTextEncodingIsReversibleAndInjective() {
            assertThat(AuditExporter.encodeCsvText("=1+1")).isEqualTo("'=1+1");
            assertThat(AuditExporter.encodeCsvText("\tx")).isEqualTo("'\tx");
            assertThat(AuditExporter.encodeCsvText("\rx")).isEqualTo("'\rx");
            assertThat(AuditExporter.encodeCsvText("'+49")).isEqualTo("''+49");
            assertThat(AuditExporter.encodeCsvText("'")).isEqualTo("''");
            assertThat(AuditExporter.encodeCsvText("x'")).isEqualTo("x'");
            assertThat(AuditExporter.encodeCsvText("plain")).isEqualTo("plain");
            assertThat(AuditExporter.encodeCsvText("")).isEmpty();
            assertThat(AuditExporter.decodeCsvText("''x")).isEqualTo("'x");
            assertThat(AuditExporter.decodeCsvText("x")).isEqualTo("x");
            assertThat(AuditExporter.decodeCsvText("")).isEmpty();

            // every string of up to three characters over an alphabet of the characters that matter
            String alphabet = "'=+-@\t\r\nax\"," + "\uD83D\uDE00";
            List<String> all = new ArrayList<>(List.of(""));
            List<String> previous = List.of("");
            for (int length = 1; length <= 3; length++) {
                List<String> next = new ArrayList<>();
                for (String p : previous) {
                    for (char c : alphabet.toCharArray()) {
                        next.add(p + c);
                    }
                }
                all.addAll(next);
                previous = next;
            }
            Set<String> cells = new HashSet<>();
            for (String value : all) {
                String cell = AuditExporter.encodeCsvText(value);
                assertThat(AuditExporter.decodeCsvText(cell))
                        .as("decode(encode(%s))", value)
                        .isEqualTo(value);
                assertThat(cell.isEmpty() || "=+-@\t\r".indexOf(cell.charAt(0)) < 0)
                        .as(cell)
                        .isTrue();
                cells.add(cell);
            }
            assertThat(cells).hasSize(all.size());
        }
    }
}
