package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectConsents;
import dev.consentkit.testsupport.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migrations from schema version 1 to 2 and on to 3, on a real database: version-1 tables are created from the version-1
 * script (kept under {@code schema-v1/}) and filled with the version-1 columns of rows the current store wrote in
 * another scratch schema (grants, withdrawals, a hierarchy, preferences, an erased subject, an expired grant, a
 * backdated import, a Global Privacy Control conflict); then the shipped migration runs (as a plain script, or
 * through Flyway as V1__/V2__), and a store on the migrated tables must decide exactly as the source store does,
 * verify intact, and go on writing. Subclasses name the database and how scratch schemas are made.
 */
abstract class AbstractMigrationFromVersion1Test {

    /** The version-1 columns of each table, as the version-1 script creates them (identities left to the copy). */
    private static final String[][] V1_COLUMNS = {
        {
            "purpose",
            "tenant, purpose_id, version, title, description, basis, data_categories, validity,"
                    + " reconsent_from_version, sale_or_share, direct_marketing, texts, saved_at"
        },
        {"log", String.join(", ", v1LogColumns()) + "|log_id"},
        {"subject", "tenant, subject, head_seq, head_hash, erased"},
        {"state", "tenant, subject, purpose_id, entry_id"},
        {"preference", "tenant, subject, pref_key, entry_id"},
        {"outbox", "tenant, subject, entry_id, seq, created_at|outbox_id"},
    };

    static final Purpose MARKETING = Purpose.builder("marketing")
            .basis(LegalBasis.CONSENT)
            .title("All marketing")
            .build();
    static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .validFor(Period.ofDays(30))
            .directMarketing(true)
            .build();
    static final Purpose ANALYTICS = Purpose.builder("analytics")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Analytics")
            .build();
    static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Ad partner")
            .saleOrShare(true)
            .build();
    static final List<Purpose> PURPOSES = List.of(MARKETING, NEWSLETTER, ANALYTICS, AD_SALE);
    static final List<String> SUBJECTS = List.of("alice", "bob", "carol", "dave", "erin", "frank", "nobody");

    private final TestClock clock = TestClock.at(Instant.parse("2026-01-05T08:00:00.123456Z"));
    protected Scratch scratch;

    /** Two scratch namespaces of one database: {@code src} for the current store, {@code old} for version 1. */
    interface Scratch extends AutoCloseable {
        /** The platform of the shipped scripts ({@code postgresql}, {@code mariadb}, {@code h2}). */
        String platform();

        /** Connections whose own schema (PostgreSQL, H2) or database (MariaDB) is the version-1 namespace. */
        HikariDataSource old();

        /** Connections to the database; tables of the source namespace are qualified with {@link #src}. */
        HikariDataSource any();

        /** The source namespace's name. */
        String src();

        /** The version-1 namespace's name. */
        String oldName();

        @Override
        void close();
    }

    protected abstract Scratch openScratch() throws SQLException;

    @BeforeEach
    void open() throws SQLException {
        scratch = openScratch();
    }

    @AfterEach
    void close() {
        scratch.close();
    }

    private static List<String> v1LogColumns() {
        return List.of(
                "entry_id",
                "tenant",
                "subject",
                "seq",
                "kind",
                "recorded_at",
                "purpose_id",
                "purpose_version",
                "status",
                "effective_at",
                "expires_at",
                "idempotency_key",
                "conflict",
                "source",
                "collection_point",
                "notice_version",
                "notice_sha256",
                "locale",
                "actor_type",
                "actor_id",
                "ip_address",
                "user_agent",
                "comment_text",
                "proof_reference",
                "pref_key",
                "pref_value",
                "erasure_reason",
                "personal_digest",
                "prev_hash",
                "hash");
    }

    private ConsentManager manager(JdbcConsentStore store) {
        return ConsentManager.builder()
                .purposes(PURPOSES.toArray(Purpose[]::new))
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly")
                        .withDefault("monthly"))
                .store(store)
                .clock(clock)
                .pseudonymKey("migration-pseudonym-key-0123456789".getBytes(StandardCharsets.UTF_8))
                .build();
    }

    private ConsentManager sourceManager() {
        JdbcConsentStore store = JdbcConsentStore.builder()
                .dataSource(scratch.any())
                .schema(scratch.src())
                .clock(clock)
                .build();
        store.createSchemaIfMissing();
        return manager(store);
    }

    private ConsentManager migratedManager() {
        return manager(JdbcConsentStore.builder()
                .dataSource(scratch.old())
                .clock(clock)
                .build());
    }

    /** Realistic version-1 history: written by the current store, whose version-1 columns are then copied. */
    private void writeHistory(ConsentManager m) {
        Evidence crm = Evidence.builder()
                .source(Source.IMPORT)
                .collectionPoint("crm")
                .actor(Actor.system("crm-import"))
                .build();
        Evidence web = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form")
                .locale(Locale.GERMANY)
                .ipAddress("203.0.113.9")
                .userAgent("Mozilla/5.0")
                .comment("first visit")
                .build();
        m.record(ConsentCommand.grant("alice", "marketing").evidence(web).build());
        m.record(ConsentCommand.grant("bob", "marketing.email")
                .idempotencyKey("form-1")
                .build());
        m.record(ConsentCommand.grant("carol", "ads.sale").build());
        m.record(ConsentCommand.grant("erin", "marketing.email").evidence(web).build());
        m.setPreference("alice", "newsletter.frequency", "weekly", web);
        clock.advance(Duration.ofMinutes(1));
        m.record(ConsentCommand.deny("alice", "marketing.email").build());
        m.record(ConsentCommand.withdraw("bob", "marketing.email").build());
        m.applyGlobalPrivacyControl("carol", web);
        m.record(ConsentCommand.optOut("dave", "analytics").build());
        m.record(ConsentCommand.grant("frank", "marketing.email")
                .pendingConfirmation(true)
                .build());
        clock.advance(Duration.ofMinutes(1));
        // an import of an older choice: appended later, takes effect earlier, does not replace bob's withdrawal
        m.record(ConsentCommand.grant("bob", "marketing.email")
                .effectiveAt(clock.instant().minus(Duration.ofHours(1)))
                .evidence(crm)
                .build());
        m.record(ConsentCommand.grant("dave", "marketing.email").build());
        m.setPreference("erin", "newsletter.frequency", "monthly", web);
        m.erase("erin", "art17-request");
        // dave's newsletter grant expires (30 days): the checks below run after that
        clock.advance(Duration.ofDays(31));
        m.record(ConsentCommand.grant("alice", "analytics").build());
    }

    /** Every decision the source store gives, subject by purpose, and each subject's whole state. */
    private static List<Object> decisions(ConsentManager m) {
        List<Object> all = new ArrayList<>();
        for (String s : SUBJECTS) {
            for (Purpose p : PURPOSES) {
                all.add(m.check(s, p.id().value()));
            }
            SubjectConsents state = m.stateOf(s);
            all.add(state.decisions());
            all.add(m.preferences(s));
        }
        return all;
    }

    private void createVersion1AndCopy() throws SQLException {
        runScript(scratch.old(), resource("schema-v1/schema-" + scratch.platform() + ".sql"));
        copyVersion1Rows();
    }

    private void copyVersion1Rows() throws SQLException {
        try (Connection c = scratch.any().getConnection();
                Statement st = c.createStatement()) {
            for (String[] table : V1_COLUMNS) {
                String[] parts = table[1].split("\\|");
                String columns = parts[0];
                String order = parts.length > 1 ? " ORDER BY " + parts[1] : "";
                st.executeUpdate("INSERT INTO " + scratch.oldName() + ".consent_" + table[0] + " (" + columns + ")"
                        + " SELECT " + columns + " FROM " + scratch.src() + ".consent_" + table[0] + order);
            }
        }
    }

    /** The statements of a shipped script, run as they are (the {@code consent_} names in the connection's schema). */
    static void runScript(HikariDataSource ds, String script) throws SQLException {
        String withoutComments =
                script.lines().filter(l -> !l.trim().startsWith("--")).collect(Collectors.joining("\n"));
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            for (String part : withoutComments.split(";")) {
                if (!part.isBlank()) {
                    st.execute(part.trim());
                }
            }
        }
    }

    static String resource(String name) {
        try (InputStream in =
                AbstractMigrationFromVersion1Test.class.getClassLoader().getResourceAsStream(name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rows of a query, as lists of strings (times as the driver prints them). */
    private List<List<String>> rows(String query) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = scratch.any().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(query)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.add(v == null ? "null" : v.toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private void assertMigratedLikeTheSource(ConsentManager source) throws SQLException {
        ConsentManager migrated = migratedManager();
        assertThat(decisions(migrated)).isEqualTo(decisions(source));
        assertThat(migrated.check("dave", "marketing.email").reason()).isEqualTo(DecisionReason.EXPIRED);
        assertThat(migrated.check("erin", "marketing.email").reason()).isEqualTo(DecisionReason.ERASED);
        assertThat(migrated.check("bob", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        assertThat(migrated.verify().intact()).isTrue();
        // the backfilled columns are what the current store writes
        for (String q : List.of(
                "SELECT tenant, subject, purpose_id, entry_id, status, purpose_version, effective_at, expires_at,"
                        + " conflict, seq FROM %s.consent_state ORDER BY tenant, subject, purpose_id",
                "SELECT tenant, subject, head_seq, head_hash, erased, head_recorded_at FROM %s.consent_subject"
                        + " ORDER BY tenant, subject",
                // version 3: the migration's SQL puts each waiting outbox row in the partition the store computes
                "SELECT tenant, subject, entry_id, seq, partition_no FROM %s.consent_outbox ORDER BY entry_id")) {
            assertThat(rows(q.formatted(scratch.oldName()))).isEqualTo(rows(q.formatted(scratch.src())));
        }

        ConsentRecord written =
                migrated.record(ConsentCommand.grant("bob", "marketing").build());
        assertThat(migrated.check("bob", "marketing.email").record()).contains(written);
        migrated.record(ConsentCommand.grant("newcomer", "marketing.email").build());
        assertThat(migrated.check("newcomer", "marketing.email").allowed()).isTrue();
        assertThat(migrated.verify().intact()).isTrue();
    }

    @Test
    void theShippedScriptMigratesVersion1TablesAndTheStoreDecidesAsBefore() throws SQLException {
        ConsentManager source = sourceManager();
        writeHistory(source);
        createVersion1AndCopy();

        runScript(scratch.old(), resource("dev/consentkit/jdbc/migrate-1-to-2-" + scratch.platform() + ".sql"));
        runScript(scratch.old(), resource("dev/consentkit/jdbc/migrate-2-to-3-" + scratch.platform() + ".sql"));

        assertMigratedLikeTheSource(source);
    }

    @Test
    void aStoreOnVersion2TablesRefusesWithTheNextMigrationAndWritesNothing() throws SQLException {
        ConsentManager source = sourceManager();
        writeHistory(source);
        createVersion1AndCopy();
        runScript(scratch.old(), resource("dev/consentkit/jdbc/migrate-1-to-2-" + scratch.platform() + ".sql"));
        List<List<String>> logBefore = rows("SELECT entry_id FROM " + scratch.oldName() + ".consent_log");

        ConsentManager onVersion2 = migratedManager();
        assertThatThrownBy(() -> onVersion2.record(
                        ConsentCommand.grant("alice", "marketing").build()))
                .isInstanceOf(ConsentStoreException.class)
                .hasMessageContaining("version 2")
                .hasMessageContaining("migrate-2-to-3-" + scratch.platform() + ".sql")
                .hasMessageNotContaining("migrate-1-to-2");
        assertThat(rows("SELECT entry_id FROM " + scratch.oldName() + ".consent_log"))
                .isEqualTo(logBefore);
    }

    @Test
    void flywayRunsTheShippedVersion1ThenTheVersion2AndVersion3Migrations() throws SQLException {
        ConsentManager source = sourceManager();
        writeHistory(source);
        Flyway v1 = Flyway.configure()
                .dataSource(scratch.old())
                .schemas(scratch.oldName())
                .locations("classpath:db/migration/consentkit/" + scratch.platform())
                .target("1")
                .load();
        assertThat(v1.migrate().migrationsExecuted).isEqualTo(1);
        copyVersion1Rows();

        Flyway latest = Flyway.configure()
                .dataSource(scratch.old())
                .schemas(scratch.oldName())
                .locations("classpath:db/migration/consentkit/" + scratch.platform())
                .load();
        assertThat(latest.migrate().migrationsExecuted).isEqualTo(2);

        assertMigratedLikeTheSource(source);
    }

    @Test
    void aStoreOnVersion1TablesRefusesWithTheMigrationToRunAndWritesNothing() throws SQLException {
        ConsentManager source = sourceManager();
        writeHistory(source);
        createVersion1AndCopy();
        String script = "migrate-1-to-2-" + scratch.platform() + ".sql";
        List<List<String>> logBefore = rows("SELECT entry_id FROM " + scratch.oldName() + ".consent_log");

        ConsentManager onVersion1 = migratedManager();
        assertThatThrownBy(() -> onVersion1.record(
                        ConsentCommand.grant("alice", "marketing").build()))
                .isInstanceOf(ConsentStoreException.class)
                .hasMessageContaining(script)
                .hasMessageContaining("version 1");
        assertThatThrownBy(() -> onVersion1.check("alice", "marketing"))
                .isInstanceOf(ConsentStoreException.class)
                .hasMessageContaining(script);
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(scratch.old()).build();
        assertThatThrownBy(store::createSchemaIfMissing)
                .isInstanceOf(ConsentStoreException.class)
                .hasMessageContaining(script);
        assertThat(rows("SELECT entry_id FROM " + scratch.oldName() + ".consent_log"))
                .isEqualTo(logBefore);
    }
}
