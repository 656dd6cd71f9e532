package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.sql.autoconfigure.init.OnDatabaseInitializationCondition;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * The JDBC store on the application's DataSource, joining Spring-managed transactions, and with Spring Boot's JDBC
 * module its schema initialiser ({@code consentkit.jdbc.initialize-schema}); the store waits for every database
 * initialiser, its own included.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(
        name = {
            "dev.consentkit.jdbc.JdbcConsentStore",
            "org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy"
        })
@ConditionalOnSingleCandidate(DataSource.class)
@Import(JdbcStoreConfiguration.SchemaInitializationConfiguration.class)
final class JdbcStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean(ConsentStore.class)
    @DependsOnDatabaseInitialization
    JdbcConsentStore consentStore(DataSource dataSource, ConsentKitProperties properties, ObjectProvider<Clock> clock) {
        // Spring binds a transaction's connection to the target DataSource; the proxy hands the store that
        // connection (auto-commit off), so the store joins the transaction instead of committing its own
        DataSource transactional = dataSource instanceof TransactionAwareDataSourceProxy
                ? dataSource
                : new TransactionAwareDataSourceProxy(dataSource);
        JdbcConsentStore.Builder builder = builder(transactional, properties.jdbc());
        // PostgreSQL: writes notify the other instances' decision caches (ignored elsewhere, where feeds poll)
        builder.notifyChanges(properties.cache().enabled());
        clock.ifUnique(builder::clock);
        return build(builder);
    }

    /** A store builder with the configured tables. */
    static JdbcConsentStore.Builder builder(DataSource dataSource, ConsentKitProperties.Jdbc jdbc) {
        return JdbcConsentStore.builder()
                .dataSource(dataSource)
                .tablePrefix(jdbc.tablePrefix())
                .schema(jdbc.schema())
                .lockTimeout(jdbc.lockTimeout());
    }

    /** The store, with a failure that names the properties. */
    static JdbcConsentStore build(JdbcConsentStore.Builder builder) {
        try {
            return builder.build();
        } catch (InvalidConsentRequestException e) {
            throw PropertiesMapping.failure("consentkit.jdbc: ", e);
        }
    }

    /** Creates the tables through Spring Boot's database initialisation, unless {@code initialize-schema=never}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer")
    @Import(DatabaseInitializationDependencyConfigurer.class)
    static final class SchemaInitializationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @Conditional(OnConsentKitSchemaInitializationCondition.class)
        ConsentKitDataSourceScriptDatabaseInitializer consentKitDataSourceScriptDatabaseInitializer(
                DataSource dataSource, ConsentKitProperties properties) {
            return new ConsentKitDataSourceScriptDatabaseInitializer(dataSource, properties.jdbc());
        }
    }

    /** Off for {@code initialize-schema=never}; on for {@code embedded} (the default) and {@code always}. */
    static final class OnConsentKitSchemaInitializationCondition extends OnDatabaseInitializationCondition {

        OnConsentKitSchemaInitializationCondition() {
            super("ConsentKit", "consentkit.jdbc.initialize-schema");
        }
    }
}
