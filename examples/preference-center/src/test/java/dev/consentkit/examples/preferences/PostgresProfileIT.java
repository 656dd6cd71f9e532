package dev.consentkit.examples.preferences;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDeniedException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.Source;
import dev.consentkit.jdbc.Dialect;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code postgres} profile against the real PostgreSQL from {@code CONSENTKIT_TEST_POSTGRES_URL} (and
 * {@code _USER}, {@code _PASSWORD}), in a schema of its own: the application starts, creates its tables, seeds
 * the demo once and answers from the database. Skipped with one line without the URL; under {@code CI=true} that
 * fails instead (see {@link RequiresDatabase}).
 */
@SpringBootTest
@ActiveProfiles("postgres")
@RequiresDatabase(Database.POSTGRESQL)
class PostgresProfileIT {

    private static final String SCHEMA = "pc" + Long.toString(System.nanoTime(), 36);
    private static String url;

    @Autowired
    ConsentManager consents;

    @Autowired
    DemoData demoData;

    @Autowired
    NewsletterMailer mailer;

    @BeforeAll
    static void createSchema() throws SQLException {
        url = Database.POSTGRESQL.url();
        execute("CREATE SCHEMA " + SCHEMA);
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> url);
        registry.add(
                "spring.datasource.username", () -> Database.POSTGRESQL.user().orElse(null));
        registry.add("spring.datasource.password", Database.POSTGRESQL::password);
        registry.add("consentkit.jdbc.schema", () -> SCHEMA);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        if (url != null && !url.isBlank()) {
            execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Test
    void startsOnPostgresqlSeedsOnceAnswersFromTheDatabaseAndTheMailerChecksEachRecipient() {
        assertThat(consents.store())
                .isInstanceOfSatisfying(
                        JdbcConsentStore.class,
                        store -> assertThat(store.dialect()).isEqualTo(Dialect.POSTGRESQL));
        assertThat(consents.verify().recordsChecked()).isEqualTo(44);
        assertThat(consents.filterAllowed(Purposes.NEWSLETTER, DemoUsers.ALL_CUSTOMERS))
                .hasSize(34);

        demoData.afterSingletonsInstantiated(); // as at the next start-up: the data is there already
        assertThat(consents.verify().recordsChecked()).isEqualTo(44);

        consents.record(ConsentCommand.withdraw("alice", Purposes.NEWSLETTER)
                .evidence(Evidence.of(Source.WEB, "preference-centre"))
                .build());
        assertThat(consents.filterAllowed(Purposes.NEWSLETTER, DemoUsers.ALL_CUSTOMERS))
                .hasSize(33);
        assertThat(consents.verify().intact()).isTrue();

        // @RequiresConsent checks every recipient again before the mailer runs
        long delivered = mailer.delivered();
        mailer.deliver("bob");
        assertThatThrownBy(() -> mailer.deliver("alice")).isInstanceOf(ConsentDeniedException.class);
        assertThatThrownBy(() -> mailer.deliver("customer-003")).isInstanceOf(ConsentDeniedException.class);
        assertThat(mailer.delivered()).isEqualTo(delivered + 1);
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        url, Database.POSTGRESQL.user().orElse(null), Database.POSTGRESQL.password());
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
