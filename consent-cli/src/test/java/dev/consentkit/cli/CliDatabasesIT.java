package dev.consentkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The CLI's verify on a tampered log in the real PostgreSQL and MariaDB servers (see {@link RequiresDatabase}). */
class CliDatabasesIT {

    @Test
    @RequiresDatabase(Database.POSTGRESQL)
    void verifyReportsATamperedPostgresqlLogWithExitCodeOne() throws Exception {
        verifyReportsATamperedLogWithExitCodeOne(Database.POSTGRESQL);
    }

    @Test
    @RequiresDatabase(Database.MARIADB)
    void verifyReportsATamperedMariadbLogWithExitCodeOne() throws Exception {
        verifyReportsATamperedLogWithExitCodeOne(Database.MARIADB);
    }

    private static void verifyReportsATamperedLogWithExitCodeOne(Database database) throws Exception {
        String url = database.url();
        String user = database.user().orElse(null);
        String prefix = "cli" + Long.toString(System.nanoTime(), 36) + "_";
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(database.password());
        try (HikariDataSource ds = new HikariDataSource(config)) {
            JdbcConsentStore store = JdbcConsentStore.builder()
                    .dataSource(ds)
                    .tablePrefix(prefix)
                    .build();
            store.createSchemaIfMissing();
            try {
                ConsentManager consents = ConsentManager.builder()
                        .purposes(Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .build())
                        .store(store)
                        .build();
                consents.record(ConsentCommand.grant("alice", "marketing.email").build());
                ConsentRecord victim = consents.record(
                        ConsentCommand.withdraw("alice", "marketing.email").build());
                List<String> args = new ArrayList<>(List.of("verify", "--url", url, "--table-prefix", prefix));
                if (user != null) {
                    args.addAll(List.of("--user", user));
                }

                CliTest.Result intact = CliTest.cli(args.toArray(String[]::new));
                try (Connection c = ds.getConnection();
                        Statement st = c.createStatement()) {
                    st.executeUpdate(
                            "UPDATE " + prefix + "log SET status = 'GRANTED' WHERE entry_id = '" + victim.id() + "'");
                }
                CliTest.Result broken = CliTest.cli(args.toArray(String[]::new));

                assertThat(intact.exit()).as(intact.err()).isZero();
                assertThat(broken.exit()).as(broken.err()).isEqualTo(1);
                assertThat(broken.out()).contains("problem=CONTENT_CHANGED first-bad-record=" + victim.id());
            } finally {
                try (Connection c = ds.getConnection();
                        Statement st = c.createStatement()) {
                    for (String t : List.of("outbox", "preference", "state", "subject", "log", "purpose")) {
                        st.execute("DROP TABLE " + prefix + t.toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
    }
}
