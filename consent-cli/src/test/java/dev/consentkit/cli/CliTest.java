package dev.consentkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real command line (the same {@code run} that {@code main} calls) against an H2 database. */
class CliTest {

    private String url;
    private ConsentRecord aliceSecond;

    /** Exit code and what the tool printed. */
    record Result(int exit, String out, String err) {}

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ConsentCli.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String[] with(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return all.toArray(String[]::new);
    }

    @BeforeEach
    void database() {
        url = "jdbc:h2:mem:cli" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        JdbcConsentStore store = JdbcConsentStore.builder().dataSource(ds).build();
        store.createSchemaIfMissing();
        ConsentManager consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .title("Newsletter")
                                .build(),
                        Purpose.builder("analytics")
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .build())
                .store(store)
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email").build());
        aliceSecond = consents.record(
                ConsentCommand.withdraw("alice", "marketing.email").build());
        consents.record(ConsentCommand.grant("bob", "marketing.email").build());
    }

    private void sql(String statement) throws SQLException {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    @Test
    void helpListsEveryCommand() {
        Result r = cli("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("verify", "export", "subject-export", "receipts", "stats", "CONSENTKIT_DB_PASSWORD");
    }

    @Test
    void verifyExitsZeroWhenEveryChainVerifies() {
        Result r = cli(with("verify"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("INTACT: 3 records in 2 chains checked, 0 broken");
    }

    @Test
    void verifyExitsOneAndNamesTheRecordWhenTheLogWasTampered() throws SQLException {
        sql("UPDATE consent_log SET status = 'GRANTED' WHERE entry_id = '" + aliceSecond.id() + "'");

        Result r = cli(with("verify"));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains(
                        "BROKEN subject=alice sequence=2 problem=CONTENT_CHANGED first-bad-record=" + aliceSecond.id())
                .contains("BROKEN: 3 records in 2 chains checked, 1 broken");
    }

    @Test
    void verifyExitsOneAndNamesTheStateRowThatDisagreesWithItsChain() throws SQLException {
        // alice's current record pointed back at her earlier grant: check would answer GRANTED
        sql("UPDATE consent_state SET entry_id = (SELECT entry_id FROM consent_log WHERE subject = 'alice'"
                + " AND seq = 1) WHERE subject = 'alice' AND purpose_id = 'marketing.email'");

        Result r = cli(with("verify"));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("BROKEN subject=alice sequence=2 problem=STATE_MISMATCH first-bad-record=" + aliceSecond.id())
                .contains("BROKEN: 3 records in 2 chains checked, 1 broken");
    }

    @Test
    void verifyExitsOneAndReportsAMalformedRowAndAHeadWithoutEntries() throws SQLException {
        sql("UPDATE consent_log SET status = 'BOGUS' WHERE entry_id = '" + aliceSecond.id() + "'");
        sql("DELETE FROM consent_state WHERE subject = 'bob'");
        sql("DELETE FROM consent_log WHERE subject = 'bob'");

        Result r = cli(with("verify"));

        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out())
                .contains(
                        "BROKEN subject=alice sequence=2 problem=MALFORMED_ENTRY first-bad-record=" + aliceSecond.id())
                .contains("BROKEN subject=bob sequence=1 problem=HEAD_WITHOUT_ENTRIES first-bad-record=-")
                .contains("BROKEN: 2 records in 2 chains checked, 2 broken");
    }

    @Test
    void exportWritesCsvToAFileAndJsonLinesToStandardOutput(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("log.csv");
        Result toFile = cli(with("export", "--format", "csv", "--output", csv.toString()));
        Result alice = cli(with("export", "--format", "jsonl", "--subject", "alice"));

        assertThat(toFile.exit()).as(toFile.err()).isZero();
        assertThat(toFile.err()).contains("Exported 3 entries");
        assertThat(Files.readString(csv).split("\r\n")).hasSize(4);
        assertThat(alice.exit()).isZero();
        assertThat(alice.out().lines()).hasSize(2).allMatch(l -> l.contains("\"subject\":\"alice\""));
    }

    @Test
    void subjectExportReceiptsAndStatsRun() {
        Result doc = cli(with("subject-export", "--subject", "bob"));
        Result receipts = cli(with(receiptArgs("--format", "iso27560")));
        Result stats = cli(with("stats"));

        assertThat(doc.exit()).isZero();
        assertThat(doc.out()).contains("\"subject\":\"bob\"", "\"reason\":\"GRANTED\"");
        assertThat(receipts.exit()).isZero();
        assertThat(receipts.out().lines()).hasSize(2).allMatch(l -> l.contains("dpv:ConsentGiven"));
        assertThat(stats.exit()).isZero();
        assertThat(stats.out()).contains("ConsentRecord: 3", "marketing.email {GRANTED=2, WITHDRAWN=1}");
    }

    private static String[] receiptArgs(String... more) {
        List<String> all = new ArrayList<>(List.of(
                "receipts",
                "--controller-name",
                "ACME GmbH",
                "--controller-contact",
                "DPO",
                "--controller-address",
                "Hauptstr. 1, 10115 Berlin",
                "--controller-email",
                "privacy@acme.example",
                "--controller-phone",
                "+49 30 1234",
                "--policy-url",
                "https://acme.example/privacy",
                "--jurisdiction",
                "DE"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void receiptsRefuseAControllerWithoutARequiredField() {
        List<String> args = new ArrayList<>(List.of(receiptArgs()));
        int phone = args.indexOf("--controller-phone");
        args.remove(phone + 1);
        args.remove(phone);
        Result missing = cli(with(args.toArray(String[]::new)));
        List<String> blankArgs = new ArrayList<>(List.of(receiptArgs()));
        blankArgs.set(blankArgs.indexOf("--controller-email") + 1, " ");
        Result blank = cli(with(blankArgs.toArray(String[]::new)));

        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--controller-phone");
        assertThat(blank.exit()).isEqualTo(2);
        assertThat(blank.err()).contains("controller.email");
    }

    @Test
    void kantaraReceiptsNameTheRecipientsGivenForASaleOrSharePurposeAndRefuseOneWithout() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ConsentManager.builder()
                .purposes(Purpose.builder("ads.sale")
                        .basis(LegalBasis.CONSENT)
                        .saleOrShare(true)
                        .recipients("Ad partner GmbH")
                        .build())
                .store(JdbcConsentStore.builder().dataSource(ds).build())
                .build()
                .record(ConsentCommand.grant("carol", "ads.sale").build());

        Result named = cli(with(receiptArgs("--subject", "carol", "--recipient", "ads.sale=Ad partner GmbH")));
        Result unnamed = cli(with(receiptArgs("--subject", "carol")));
        Result unknown = cli(with(receiptArgs("--recipient", "ads.other=Somebody")));

        assertThat(named.exit()).as(named.err()).isZero();
        assertThat(named.out().lines())
                .singleElement()
                .asString()
                .contains("\"thirdPartyDisclosure\":true,\"thirdPartyName\":\"Ad partner GmbH\"");
        assertThat(unnamed.exit()).isEqualTo(2);
        assertThat(unnamed.err()).contains("ads.sale", "recipients");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("ads.other");
    }

    @Test
    void wrongUrlPrefixOrValuesGiveAClearErrorAndExitTwo() {
        Result noDriver = cli("verify", "--url", "jdbc:nosuch:db");
        Result noTables = cli(with("verify", "--table-prefix", "other_"));
        Result badDate = cli(with("export", "--format", "csv", "--from", "yesterday"));
        Result badFormat = cli(with("export", "--format", "xml"));

        assertThat(noDriver.exit()).isEqualTo(2);
        assertThat(noDriver.err()).contains("cannot connect to jdbc:nosuch:db");
        assertThat(noTables.exit()).isEqualTo(2);
        assertThat(noTables.err()).contains("no ConsentKit tables with prefix 'other_'");
        assertThat(badDate.exit()).isEqualTo(2);
        assertThat(badDate.err()).contains("--from");
        assertThat(badFormat.exit()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format");
    }
}
