package dev.consentkit.spring.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.jdbc.Dialect;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.spring.ConsentChangedEvent;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.annotation.Transactional;

/**
 * On PostgreSQL, through the whole Spring Boot stack (HikariCP, the transaction manager, {@code @Transactional}):
 * an application's business write and its consent record commit or roll back together, and the
 * {@link ConsentChangedEvent} follows the commit only. Needs {@code CONSENTKIT_TEST_POSTGRES_URL} (and
 * {@code _USER}, {@code _PASSWORD}); skipped with one line without it, failing under {@code CI=true}. Each run
 * works in a schema of its own.
 */
@SpringBootTest(
        classes = PostgresTransactionJoinIT.App.class,
        webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
            "consentkit.purposes[0].id=marketing.email",
            "consentkit.purposes[0].basis=consent",
            "consentkit.jdbc.initialize-schema=always",
            "consentkit.jdbc.table-prefix=ck_",
            "consentkit.web.gpc.enabled=false"
        })
@RequiresDatabase(Database.POSTGRESQL)
class PostgresTransactionJoinIT {

    private static String url;
    private static String user;
    private static String password;
    private static String schema;

    @BeforeAll
    static void database() {
        url = Database.POSTGRESQL.url();
        user = Database.POSTGRESQL.user().orElse(null);
        password = Database.POSTGRESQL.password();
        schema = ("cks" + Long.toString(System.nanoTime(), 36)
                        + UUID.randomUUID().toString().substring(0, 4))
                .toLowerCase(Locale.ROOT)
                .replace('-', '_');
        execute("CREATE SCHEMA " + schema, "CREATE TABLE " + schema + ".orders (id INT PRIMARY KEY, customer TEXT)");
    }

    @AfterAll
    static void dropSchema() {
        if (schema != null) {
            execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> user);
        registry.add("spring.datasource.password", () -> password);
        registry.add("consentkit.jdbc.schema", () -> schema);
    }

    private static void execute(String... statements) {
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + url + ": " + e.getMessage(), e);
        }
    }

    @Autowired
    ConsentManager consents;

    @Autowired
    Orders orders;

    @Autowired
    Events events;

    @Autowired
    JdbcTemplate sql;

    @BeforeEach
    void clearEvents() {
        events.received.clear();
    }

    @Test
    void theStoreIsTheJdbcStoreOnPostgres() {
        assertThat(consents.store())
                .isInstanceOfSatisfying(
                        JdbcConsentStore.class,
                        store -> assertThat(store.dialect()).isEqualTo(Dialect.POSTGRESQL));
    }

    @Test
    void aRolledBackBusinessWriteTakesTheConsentRecordWithIt() {
        String customer = "cust-" + UUID.randomUUID();
        assertThatThrownBy(() -> orders.place(1, customer, true)).hasMessage("payment declined");
        assertThat(sql.queryForObject(
                        "SELECT COUNT(*) FROM " + schema + ".orders WHERE customer = ?", Integer.class, customer))
                .isZero();
        assertThat(consents.check(customer, "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);
        assertThat(sql.queryForObject("SELECT COUNT(*) FROM " + schema + ".ck_log", Integer.class))
                .isZero();
        assertThat(events.received).isEmpty();
    }

    @Test
    void aCommittedBusinessWriteCommitsTheConsentRecordAndThenPublishesTheEvent() {
        String customer = "cust-" + UUID.randomUUID();
        orders.place(2, customer, false);
        assertThat(sql.queryForObject(
                        "SELECT COUNT(*) FROM " + schema + ".orders WHERE customer = ?", Integer.class, customer))
                .isEqualTo(1);
        assertThat(consents.check(customer, "marketing.email").allowed()).isTrue();
        assertThat(orders.eventsSeenInsideTransaction)
                .as("no event before the commit")
                .isZero();
        assertThat(events.received)
                .singleElement()
                .satisfies(e -> assertThat(e.entry().subject().value()).isEqualTo(customer));
        assertThat(consents.verify(customer).intact()).isTrue();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        Events events() {
            return new Events();
        }

        @Bean
        Orders orders(JdbcTemplate sql, ConsentManager consents, Events events) {
            return new Orders(sql, consents, events);
        }
    }

    static class Events {
        final List<ConsentChangedEvent> received = new CopyOnWriteArrayList<>();

        @EventListener
        void on(ConsentChangedEvent event) {
            received.add(event);
        }
    }

    /** A business service: places an order and records the customer's newsletter opt-in in one transaction. */
    static class Orders {
        private final JdbcTemplate sql;
        private final ConsentManager consents;
        private final Events events;
        volatile int eventsSeenInsideTransaction = -1;

        Orders(JdbcTemplate sql, ConsentManager consents, Events events) {
            this.sql = sql;
            this.consents = consents;
            this.events = events;
        }

        @Transactional
        public void place(int id, String customer, boolean failPayment) {
            sql.update("INSERT INTO " + schema + ".orders (id, customer) VALUES (?, ?)", id, customer);
            consents.record(ConsentCommand.grant(customer, "marketing.email").build());
            eventsSeenInsideTransaction = events.received.size();
            if (failPayment) {
                throw new IllegalStateException("payment declined");
            }
        }
    }
}
