package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.JdbcConsentStore;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.kafka.KafkaOutboxPublisher;
import dev.consentkit.rabbitmq.RabbitOutboxPublisher;
import dev.consentkit.webhooks.WebhookPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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

    /** {@code consentkit.outbox.kafka.*}: the Kafka producer relay, with consent-kafka on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.consentkit.kafka.KafkaOutboxPublisher")
    @ConditionalOnProperty(prefix = "consentkit.outbox.kafka", name = "enabled", havingValue = "true")
    static final class KafkaConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        KafkaOutboxPublisher kafkaOutboxPublisher(ConsentKitProperties properties, ConsentEventFormat format) {
            ConsentKitProperties.Kafka kafka = properties.outbox().kafka();
            try {
                KafkaOutboxPublisher.Builder publisher = KafkaOutboxPublisher.builder()
                        .bootstrapServers(Checks.notNull(kafka.bootstrapServers(), "bootstrapServers"))
                        .topic(kafka.topic())
                        .properties(kafka.properties())
                        .eventFormat(format);
                String transactionalId = kafka.transactionalId();
                if (transactionalId != null) {
                    publisher.transactionalId(transactionalId);
                }
                return publisher.build();
            } catch (InvalidConsentRequestException e) {
                throw PropertiesMapping.failure("consentkit.outbox.kafka: ", e);
            }
        }
    }

    /** {@code consentkit.outbox.rabbit.*}: the RabbitMQ relay, with consent-rabbitmq on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.consentkit.rabbitmq.RabbitOutboxPublisher")
    @ConditionalOnProperty(prefix = "consentkit.outbox.rabbit", name = "enabled", havingValue = "true")
    static final class RabbitConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        RabbitOutboxPublisher rabbitOutboxPublisher(ConsentKitProperties properties, ConsentEventFormat format) {
            ConsentKitProperties.Rabbit rabbit = properties.outbox().rabbit();
            try {
                return RabbitOutboxPublisher.builder()
                        .uri(rabbit.uri())
                        .exchange(rabbit.exchange())
                        .eventFormat(format)
                        .build();
            } catch (InvalidConsentRequestException e) {
                throw PropertiesMapping.failure("consentkit.outbox.rabbit: ", e);
            }
        }
    }

    /** {@code consentkit.outbox.webhooks.*}: signed webhooks, with consent-webhooks on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.consentkit.webhooks.WebhookPublisher")
    @ConditionalOnProperty(prefix = "consentkit.outbox.webhooks", name = "enabled", havingValue = "true")
    static final class WebhooksConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "webhookOutboxPublisher")
        OutboxPublisher webhookOutboxPublisher(
                ConsentKitProperties properties,
                ConsentEventFormat format,
                DataSource dataSource,
                ObjectProvider<Clock> clock) {
            ConsentKitProperties.Webhooks webhooks = properties.outbox().webhooks();
            try {
                Checks.check(!webhooks.endpoints().isEmpty(), "endpoints", "must list at least one endpoint");
                List<WebhookPublisher> endpoints = new ArrayList<>();
                for (ConsentKitProperties.WebhookEndpoint e : webhooks.endpoints()) {
                    WebhookPublisher.Builder endpoint = WebhookPublisher.builder()
                            .endpoint(e.name())
                            .url(e.url())
                            .secrets(e.secrets())
                            .dataSource(dataSource)
                            .tablePrefix(properties.jdbc().tablePrefix())
                            .schema(properties.jdbc().schema())
                            .eventFormat(format)
                            .maxAttempts(webhooks.maxAttempts());
                    clock.ifUnique(endpoint::clock);
                    endpoints.add(endpoint.build());
                }
                return WebhookPublisher.fanOut(endpoints);
            } catch (InvalidConsentRequestException e) {
                throw PropertiesMapping.failure("consentkit.outbox.webhooks: ", e);
            }
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
                .publisher(publishers.size() == 1 ? publishers.get(0) : OutboxPublisher.toAll(publishers))
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
