package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.spring.internal.FanOutPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The outbox relay of this instance, off by default: on when an engine is enabled ({@code consentkit.outbox.kafka},
 * {@code .rabbit}, {@code .webhooks}, each behind its module on the class path) or the application declares an
 * {@link OutboxPublisher} bean, and only on the JDBC store. One relay drains the outbox to every publisher in turn;
 * {@link ConsentKitOutboxRelayAutoConfiguration} starts it with the context, with its gauges and health.
 */
@AutoConfiguration(after = ConsentKitAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.consentkit.jdbc.OutboxRelay", "dev.consentkit.events.ConsentEventFormat"})
@ConditionalOnBean(JdbcConsentStore.class)
public final class ConsentKitOutboxAutoConfiguration {

    /** The CloudEvents format every relay publishes (and the outbox's event columns, if configured). */
    @Bean
    @ConditionalOnMissingBean
    ConsentEventFormat consentEventFormat(ConsentKitProperties properties) {
        String key = properties.outbox().subjectPseudonymKey();
        ConsentEventFormat.Builder format = ConsentEventFormat.builder();
        try {
            if (key != null) {
                format.subjectPseudonymKey(key.getBytes(StandardCharsets.UTF_8));
            }
            return format.build();
        } catch (InvalidConsentRequestException e) {
            throw PropertiesMapping.failure("consentkit.outbox: ", e);
        }
    }

    /** The relay, when there is anything to publish to. */
    @Bean(destroyMethod = "close")
    @ConditionalOnBean(OutboxPublisher.class)
    @ConditionalOnMissingBean(OutboxRelay.class)
    OutboxRelay consentOutboxRelay(
            JdbcConsentStore store,
            List<OutboxPublisher> publishers,
            ConsentKitProperties properties,
            ObjectProvider<Clock> clock) {
        ConsentKitProperties.Outbox outbox = properties.outbox();
        OutboxRelay.Builder relay = OutboxRelay.builder(store)
                .name("outbox")
                .publisher(publishers.size() == 1 ? publishers.get(0) : new FanOutPublisher(publishers))
                .batchSize(outbox.batchSize())
                .partitionsPerPass(outbox.partitionsPerPass());
        clock.ifUnique(relay::clock);
        try {
            return relay.build();
        } catch (InvalidConsentRequestException e) {
            throw PropertiesMapping.failure("consentkit.outbox: ", e);
        }
    }
}
