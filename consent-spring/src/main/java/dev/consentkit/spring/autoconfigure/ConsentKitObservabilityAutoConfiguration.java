package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.internal.ConsentKitEndpoint;
import dev.consentkit.spring.internal.ConsentMeters;
import dev.consentkit.spring.internal.ConsentStoreHealthIndicator;
import dev.consentkit.spring.internal.RecordTally;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics ({@code consentkit.checks}, {@code consentkit.records}) when Micrometer has a registry, the actuator
 * endpoint {@code consentkit} when it is available, and the health indicator {@code consentkit} for the store.
 */
@AutoConfiguration(
        after = ConsentKitAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnBean(ConsentManager.class)
public final class ConsentKitObservabilityAutoConfiguration {

    /** Micrometer meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static final class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConsentMeters consentMeters(MeterRegistry registry) {
            return new ConsentMeters(registry);
        }
    }

    /** The actuator endpoint. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnAvailableEndpoint(ConsentKitEndpoint.class)
    static final class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RecordTally consentRecordTally() {
            return new RecordTally();
        }

        @Bean
        @ConditionalOnMissingBean
        ConsentKitEndpoint consentKitEndpoint(ConsentManager consents, RecordTally tally) {
            return new ConsentKitEndpoint(consents, tally);
        }
    }

    /** The health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("consentkit")
    static final class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "consentkitHealthIndicator")
        ConsentStoreHealthIndicator consentkitHealthIndicator(ConsentManager consents) {
            return new ConsentStoreHealthIndicator(consents);
        }
    }
}
