package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.InvalidConsentRequestException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.time.Duration;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exception policy (see the {@code dev.consentkit.core} package documentation) for the JDBC builders: bad input
 * to a setter, null included, and a missing or invalid property at {@code build()} throw
 * {@link InvalidConsentRequestException} naming the setter.
 */
class BuilderExceptionPolicyTest {

    static void rejected(ThrowingCallable call, String field) {
        assertThatThrownBy(call)
                .isExactlyInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining(field)
                .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                        .containsExactly(field));
    }

    static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:builders;DB_CLOSE_DELAY=-1");
        return ds;
    }

    static JdbcConsentStore.Builder store() {
        return JdbcConsentStore.builder().dataSource(h2()).dialect(Dialect.H2);
    }

    @Nested
    class StoreBuilder {

        @Test
        void settersWhenNullThenNameTheSetter() {
            rejected(() -> JdbcConsentStore.builder().dataSource(null), "dataSource");
            rejected(() -> JdbcConsentStore.builder().dialect(null), "dialect");
            rejected(() -> JdbcConsentStore.builder().tablePrefix(null), "tablePrefix");
            rejected(() -> JdbcConsentStore.builder().clock(null), "clock");
        }

        @Test
        void buildWhenDataSourceIsMissingThenNamesIt() {
            rejected(() -> JdbcConsentStore.builder().build(), "dataSource");
        }

        @ParameterizedTest
        @ValueSource(strings = {" ", "consent-", "x;drop", "p12345678901234567890123456789012345678901"})
        void buildWhenTablePrefixOrSchemaIsMalformedOrOverlongThenNamesIt(String name) {
            rejected(() -> store().tablePrefix(name).build(), "tablePrefix");
            rejected(() -> store().schema(name).build(), "schema");
        }

        @Test
        void buildWhenNameIsAtTheLimitThenAccepted() {
            String longest = "p" + "1".repeat(40);
            assertThat(store().tablePrefix(longest).schema(longest).build()).isNotNull();
        }

        @Test
        void buildWhenCountsAreBelowOneThenNamesThem() {
            rejected(() -> store().maxAttempts(0).build(), "maxAttempts");
            rejected(() -> store().fetchSize(0).build(), "fetchSize");
        }

        @Test
        void buildWhenTheDatabaseIsUnsupportedThenNamesDataSource() {
            rejected(() -> JdbcConsentStore.builder().dataSource(unsupported()).build(), "dataSource");
        }

        /** A data source of a database ConsentKit does not support: only its metadata is ever asked. */
        private DataSource unsupported() {
            DatabaseMetaData meta = proxy(DatabaseMetaData.class, (p, m, a) -> switch (m.getName()) {
                case "getDatabaseProductName" -> "SQLite";
                case "getDatabaseProductVersion" -> "3.45";
                default -> throw new UnsupportedOperationException(m.getName());
            });
            Connection connection = proxy(Connection.class, (p, m, a) -> switch (m.getName()) {
                case "getMetaData" -> meta;
                case "close" -> null;
                default -> throw new UnsupportedOperationException(m.getName());
            });
            return proxy(DataSource.class, (p, m, a) -> {
                if (m.getName().equals("getConnection")) {
                    return connection;
                }
                throw new UnsupportedOperationException(m.getName());
            });
        }

        private <T> T proxy(Class<T> type, java.lang.reflect.InvocationHandler handler) {
            return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, handler));
        }
    }

    @Nested
    class RelayBuilder {

        final JdbcConsentStore store = store().build();

        @Test
        void settersWhenNullThenNameTheSetter() {
            rejected(() -> OutboxRelay.builder(null), "store");
            rejected(() -> OutboxRelay.builder(store).listener(null), "listener");
            rejected(() -> OutboxRelay.builder(store).initialBackoff(null), "initialBackoff");
            rejected(() -> OutboxRelay.builder(store).maxBackoff(null), "maxBackoff");
            rejected(() -> OutboxRelay.builder(store).clock(null), "clock");
        }

        @Test
        void buildWhenPropertyIsMissingOrOutOfRangeThenNamesIt() {
            rejected(() -> OutboxRelay.builder(store).build(), "listener");
            rejected(
                    () -> OutboxRelay.builder(store)
                            .listener(e -> {})
                            .batchSize(0)
                            .build(),
                    "batchSize");
            rejected(
                    () -> OutboxRelay.builder(store)
                            .listener(e -> {})
                            .initialBackoff(Duration.ofSeconds(-1))
                            .build(),
                    "initialBackoff");
            rejected(
                    () -> OutboxRelay.builder(store)
                            .listener(e -> {})
                            .initialBackoff(Duration.ofMinutes(10))
                            .maxBackoff(Duration.ofMinutes(5))
                            .build(),
                    "initialBackoff");
        }
    }
}
