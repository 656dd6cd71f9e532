package dev.consentkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartTest {

    @TempDir
    Path dir;

    @Test
    void mainPrintsTheDecisionsAndLeavesAVerifiedDatabaseWithCarolErased() throws Exception {
        String out = runMain();

        assertThat(out)
                .contains("H2 database at " + dir.resolve("consentkit") + ".mv.db")
                .contains("alice opted out of 1 purpose(s), bob of 1 (conflict with his earlier grant: true), "
                        + "bob's repeated signal wrote 0");
        String first = section(out, "1. Decisions", "2. Decisions");
        assertThat(first)
                .containsPattern("alice +marketing\\.email\\.newsletter +v1 +yes +GRANTED +GRANTED v1 via WEB")
                .containsPattern("bob +marketing\\.email\\.newsletter +v1 +no +WITHDRAWN +WITHDRAWN v1 via EMAIL")
                .containsPattern("alice +ads\\.partner +v1 +no +OPTED_OUT +OPTED_OUT v1 via GPC_SIGNAL")
                .containsPattern("carol +analytics +v1 +no +OPTED_OUT +OPTED_OUT v1 via PHONE call-centre")
                .containsPattern("dave +analytics +v1 +yes +NOT_OBJECTED +-")
                .containsPattern("dave +marketing\\.email\\.newsletter +v1 +no +NO_RECORD");
        String second = section(out, "2. Decisions", "3. Decisions");
        assertThat(second)
                .containsPattern("alice +marketing\\.email\\.newsletter +v1 +no +EXPIRED")
                .containsPattern("carol +marketing\\.email\\.newsletter +v1 +no +EXPIRED")
                .containsPattern("dave +marketing\\.email\\.newsletter +v1 +yes +GRANTED");
        String third = section(out, "3. Decisions", "Newsletter audience");
        assertThat(third)
                .containsPattern("dave +marketing\\.email\\.newsletter +v2 +no +RECONSENT_REQUIRED")
                .containsPattern("carol +marketing\\.email\\.newsletter +v2 +no +RECONSENT_REQUIRED")
                .containsPattern("alice +marketing\\.email\\.newsletter +v2 +yes +GRANTED +GRANTED v2 via WEB");
        assertThat(out)
                .contains("Newsletter audience (filterAllowed, one read): 1 of 4 [alice]")
                .contains("Chains verified: 10 records of 4 subjects, intact=true")
                .contains("After erasing carol: 11 records of 4 subjects, intact=true; carol's newsletter -> ERASED");

        Path export = dir.resolve("bob-access-export.json");
        assertThat(export).exists();
        assertThat(Files.readString(export))
                .contains("\"subject\":\"bob\"")
                .contains("\"GPC_SIGNAL\"")
                .contains("\"reason\":\"WITHDRAWN\"");

        // The file database holds what the tour printed: open it afresh, as another process would.
        ConsentManager reopened = reopen();
        assertThat(reopened.verify().intact()).isTrue();
        assertThat(reopened.check("carol", Quickstart.NEWSLETTER).reason()).isEqualTo(DecisionReason.ERASED);
        assertThat(reopened.check("bob", Quickstart.NEWSLETTER).reason()).isEqualTo(DecisionReason.WITHDRAWN);
        try (var history = reopened.history(HistoryQuery.forSubject("alice"))) {
            assertThat(history.map(r -> r.status() + " " + r.purpose() + " v" + r.purposeVersion())
                            .toList())
                    .containsExactly(
                            "GRANTED marketing.email.newsletter v1",
                            "OPTED_OUT ads.partner v1",
                            "GRANTED marketing.email.newsletter v2");
        }
    }

    @Test
    void everyRunStartsFromAnEmptyDatabase() throws Exception {
        String first = runMain();
        String second = runMain();

        assertThat(second.lines().filter(l -> l.startsWith("Chains verified")).toList())
                .isEqualTo(first.lines()
                        .filter(l -> l.startsWith("Chains verified"))
                        .toList())
                .containsExactly("Chains verified: 10 records of 4 subjects, intact=true");
    }

    private String runMain() {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            Quickstart.main(new String[] {dir.toString()});
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private ConsentManager reopen() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:file:" + dir.resolve("consentkit"));
        dataSource.setUser("sa");
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(dataSource).build();
        Clock later = Clock.fixed(Instant.parse("2027-03-01T00:00:00Z"), ZoneOffset.UTC);
        return Quickstart.manager(
                store,
                later,
                Quickstart.newsletter(1, Quickstart.NEWSLETTER_TEXT_V1).build(),
                Quickstart.newsletter(2, Quickstart.NEWSLETTER_TEXT_V2)
                        .reconsentFromVersion(2)
                        .build());
    }

    private static String section(String out, String from, String to) {
        int start = out.indexOf(from);
        int end = out.indexOf(to, start);
        assertThat(start).as(from).isNotNegative();
        assertThat(end).as(to).isGreaterThan(start);
        return out.substring(start, end);
    }
}
