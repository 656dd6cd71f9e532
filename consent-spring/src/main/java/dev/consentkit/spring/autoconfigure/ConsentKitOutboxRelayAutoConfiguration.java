package dev.consentkit.spring.autoconfigure;

import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.spring.internal.OutboxRelayHealthIndicator;
import dev.consentkit.spring.internal.OutboxRelayLifecycle;
import dev.consentkit.spring.internal.OutboxRelayMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The outbox relay's life and lag, when {@link ConsentKitOutboxAutoConfiguration} (or the application) made one: it
 * polls every {@code consentkit.outbox.poll-interval} from context start to stop; with Micrometer, gauges
 * {@code consentkit.outbox.depth} and {@code consentkit.outbox.oldest.age} (tag {@code relay}); with Spring Boot's
 * health module, the indicator {@code consentkitOutbox}, DOWN while the oldest waiting change is older than
 * {@code consentkit.outbox.max-lag}.
 */
@AutoConfiguration(
        after = ConsentKitOutboxAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(name = "dev.consentkit.jdbc.OutboxRelay")
@ConditionalOnBean(OutboxRelay.class)
public final class ConsentKitOutboxRelayAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OutboxRelayLifecycle consentOutboxRelayLifecycle(OutboxRelay relay, ConsentKitProperties properties) {
        return new OutboxRelayLifecycle(relay, properties.outbox().pollInterval());
    }

    /** Lag gauges. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        OutboxRelayMeters consentOutboxRelayMeters(
                OutboxRelay relay, MeterRegistry registry, ObjectProvider<Clock> clock) {
            return new OutboxRelayMeters(relay, registry, clock.getIfUnique(Clock::systemUTC));
        }
    }

    /** The lag health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("consentkitOutbox")
    static final class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "consentkitOutboxHealthIndicator")
        OutboxRelayHealthIndicator consentkitOutboxHealthIndicator(OutboxRelay relay, ConsentKitProperties properties) {
            return new OutboxRelayHealthIndicator(relay, properties.outbox().maxLag());
        }
    }
}
