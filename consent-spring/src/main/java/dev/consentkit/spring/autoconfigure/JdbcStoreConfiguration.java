package dev.consentkit.spring.autoconfigure;

import dev.consentkit.jdbc.Dialect;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.core.spi.ConsentStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.util.ClassUtils;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;

/** The JDBC store on the application's DataSource, joining Spring-managed transactions. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = {"dev.consentkit.jdbc.JdbcConsentStore",
        "org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy"})
@ConditionalOnSingleCandidate(DataSource.class)
final class JdbcStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean(ConsentStore.class)
    JdbcConsentStore consentStore(DataSource dataSource, ConsentKitProperties properties,
                                  ObjectProvider<Clock> clock) {
        ConsentKitProperties.Jdbc jdbc = properties.getJdbc();
        // Spring binds a transaction's connection to the target DataSource; the proxy hands the store that
        // connection (auto-commit off), so the store joins the transaction instead of committing its own
        DataSource transactional = dataSource instanceof TransactionAwareDataSourceProxy
                ? dataSource : new TransactionAwareDataSourceProxy(dataSource);
        JdbcConsentStore.Builder builder = JdbcConsentStore.builder().dataSource(transactional)
                .tablePrefix(jdbc.getTablePrefix()).schema(jdbc.getSchema());
        clock.ifUnique(builder::clock);
        JdbcConsentStore store;
        try {
            store = builder.build();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("consentkit.jdbc: " + e.getMessage(), e);
        }
        if (createSchema(jdbc.getInitializeSchema(), dataSource, store)) {
            store.createSchemaIfMissing();
        }
        return store;
    }

    private static boolean createSchema(ConsentKitProperties.SchemaInitialization mode, DataSource dataSource,
                                        JdbcConsentStore store) {
        switch (mode) {
            case ALWAYS:
                return true;
            case NEVER:
                return false;
            case EMBEDDED:
            default:
                return isEmbedded(dataSource, store);
        }
    }

    private static boolean isEmbedded(DataSource dataSource, JdbcConsentStore store) {
        if (ClassUtils.isPresent("org.springframework.boot.jdbc.EmbeddedDatabaseConnection",
                JdbcStoreConfiguration.class.getClassLoader())) {
            return org.springframework.boot.jdbc.EmbeddedDatabaseConnection.isEmbedded(dataSource);
        }
        if (store.dialect() != Dialect.H2) {
            return false;
        }
        try (Connection c = dataSource.getConnection()) {
            String url = c.getMetaData().getURL();
            return url != null && url.startsWith("jdbc:h2:mem:");
        } catch (SQLException e) {
            return false;
        }
    }
}
