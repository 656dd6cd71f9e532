package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentManagerBuilder;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecisionObserver;
import dev.consentkit.spring.internal.ApplicationEventConsentListener;
import dev.consentkit.spring.internal.CheckpointScheduler;
import dev.consentkit.spring.internal.SpringTransactionCommitHook;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.util.StringUtils;

/**
 * Builds the application's {@link ConsentManager} from the {@code consentkit.*} properties. The store is a
 * {@code JdbcConsentStore} on the application's {@code DataSource} when consent-jdbc is on the class path (its
 * writes join Spring-managed transactions), otherwise an {@code InMemoryConsentStore}. Every bean backs off when
 * the application declares its own.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration"
        })
@EnableConfigurationProperties(ConsentKitProperties.class)
@Import({
    JdbcStoreConfiguration.class,
    InMemoryStoreConfiguration.class,
    RequiresConsentConfiguration.class,
    DecisionCacheConfiguration.class,
    ConsentKitAutoConfiguration.TransactionConfiguration.class
})
public final class ConsentKitAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ConsentManager consentManager(
            ConsentKitProperties properties,
            ConsentStore store,
            ObjectProvider<ConsentListener> listeners,
            ObjectProvider<CommitHook> commitHook,
            ObjectProvider<DecisionObserver> decisionObservers,
            ObjectProvider<Clock> clock,
            ObjectProvider<ConsentManagerBuilderCustomizer> customizers,
            ObjectProvider<DecisionCache> decisionCache) {
        ConsentManagerBuilder builder = ConsentManager.builder()
                .tenant(properties.tenant())
                .purposes(PropertiesMapping.purposes(properties))
                .store(store)
                .evidencePolicy(PropertiesMapping.evidencePolicy(properties.evidence()));
        PropertiesMapping.preferences(properties).forEach(builder::preferences);
        if (StringUtils.hasText(properties.pseudonymKey())) {
            builder.pseudonymKey(properties.pseudonymKey().getBytes(StandardCharsets.UTF_8));
        }
        PropertiesMapping.checkpointKey(properties.checkpoint()).ifPresent(builder::checkpointKey);
        try {
            builder.checkpointGrace(properties.checkpoint().grace());
        } catch (InvalidConsentRequestException e) {
            throw PropertiesMapping.failure("consentkit.checkpoint.grace: ", e);
        }
        clock.ifUnique(builder::clock);
        commitHook.ifUnique(builder::commitHook);
        decisionCache.ifUnique(builder::cache);
        listeners.orderedStream().forEach(builder::listener);
        List<DecisionObserver> observers = decisionObservers.orderedStream().toList();
        if (!observers.isEmpty()) {
            builder.decisionObserver((decision, nanos) -> observers.forEach(o -> o.decided(decision, nanos)));
        }
        customizers.orderedStream().forEach(c -> c.customize(builder));
        ConsentManager manager;
        try {
            manager = builder.build();
        } catch (InvalidConsentRequestException e) {
            // the builder names its property (tenant, pseudonymKey, purposes): the same name under consentkit.
            throw PropertiesMapping.failure("consentkit.", e);
        }
        try {
            // explicitly at start-up, outside any application transaction, so that a rolled-back first write
            // cannot leave the purposes unsaved and a missing schema fails the start instead of the first write
            manager.savePurposes();
        } catch (ConsentStoreException e) {
            throw new IllegalStateException(
                    "ConsentKit could not save its purposes in the store (" + e.getMessage()
                            + "); do the tables exist? See consentkit.jdbc.initialize-schema",
                    e);
        }
        return manager;
    }

    /** Signs a checkpoint every {@code consentkit.checkpoint.interval}, when it is set. */
    @Bean
    @ConditionalOnProperty("consentkit.checkpoint.interval")
    @ConditionalOnMissingBean
    CheckpointScheduler consentCheckpointScheduler(
            ConsentManager manager, ConsentKitProperties properties, ApplicationEventPublisher publisher) {
        Duration interval = properties.checkpoint().interval();
        if (interval == null) {
            throw new IllegalStateException("consentkit.checkpoint.interval is set but empty");
        }
        return new CheckpointScheduler(manager, interval, publisher::publishEvent);
    }

    @Bean
    @ConditionalOnMissingBean
    ApplicationEventConsentListener consentApplicationEventListener(ApplicationEventPublisher publisher) {
        return new ApplicationEventConsentListener(publisher);
    }

    /** Listeners hear of writes made in a Spring-managed transaction only after it commits. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.transaction.support.TransactionSynchronizationManager")
    static final class TransactionConfiguration {

        @Bean
        @ConditionalOnMissingBean
        CommitHook consentCommitHook() {
            return new SpringTransactionCommitHook();
        }
    }
}
