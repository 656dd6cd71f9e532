package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.kafka.KafkaOutboxPublisher;
import dev.consentkit.rabbitmq.RabbitOutboxPublisher;
import dev.consentkit.spring.internal.OutboxRelayHealthIndicator;
import dev.consentkit.webhooks.WebhookDeliveries;
import dev.consentkit.webhooks.WebhookPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;

/**
 * {@code consentkit.outbox.*}: no relay without something to publish to; with an {@link OutboxPublisher} bean one
 * relay starts with the context and drains the outbox to it, with lag gauges and a health indicator.
 */
class ConsentKitOutboxAutoConfigurationTest {

    private final ApplicationContextRunner jdbc = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    TransactionAutoConfiguration.class,
                    ConsentKitAutoConfiguration.class,
                    ConsentKitOutboxAutoConfiguration.class,
                    ConsentKitOutboxRelayAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES)
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:outbox-${random.uuid}");

    /** A publisher that keeps what it got, or fails while told to. */
    static final class Collecting implements OutboxPublisher {
        final List<AuditEntry> published = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        @Override
        public void publish(List<AuditEntry> entries) throws Exception {
            if (failing) {
                throw new java.io.IOException("engine down");
            }
            published.addAll(entries);
        }
    }

    @Test
    void offByDefaultNoRelayRuns() {
        jdbc.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(OutboxRelay.class);
            assertThat(context).hasSingleBean(ConsentEventFormat.class);
        });
    }

    @Test
    void withAPublisherBeanOneRelayDrainsTheOutboxToItFromStartToStop() {
        jdbc.withBean(Collecting.class)
                .withPropertyValues("consentkit.outbox.poll-interval=20ms")
                .run(context -> {
                    ConsentManager consents = context.getBean(ConsentManager.class);
                    AuditEntry written = consents.record(
                            ConsentCommand.withdraw("cust-1", "marketing.email").build());
                    Collecting publisher = context.getBean(Collecting.class);
                    await(() -> !publisher.published.isEmpty());
                    assertThat(publisher.published).containsExactly(written);
                    assertThat(context.getBean(OutboxRelay.class).backlog().depth())
                            .isZero();
                });
    }

    @Test
    void gaugesAndHealthShowTheLagAndTheIndicatorGoesDownPastTheAllowedLag() {
        jdbc.withBean(Collecting.class, () -> {
                    Collecting failing = new Collecting();
                    failing.failing = true;
                    return failing;
                })
                .withBean(SimpleMeterRegistry.class)
                .withPropertyValues("consentkit.outbox.max-lag=1s", "consentkit.outbox.poll-interval=20ms")
                .run(context -> {
                    OutboxRelayHealthIndicator health = context.getBean(OutboxRelayHealthIndicator.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                    context.getBean(ConsentManager.class)
                            .record(ConsentCommand.withdraw("cust-1", "marketing.email")
                                    .build());
                    Thread.sleep(1_500);

                    SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
                    assertThat(registry.get("consentkit.outbox.depth")
                                    .tag("relay", "outbox")
                                    .gauge()
                                    .value())
                            .isEqualTo(1.0);
                    assertThat(registry.get("consentkit.outbox.oldest.age")
                                    .gauge()
                                    .value())
                            .isGreaterThan(1.0);
                    assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.health().getDetails()).containsEntry("depth", 1L);

                    context.getBean(Collecting.class).failing = false;
                    await(() -> health.health().getStatus().equals(Status.UP));
                });
    }

    @Test
    void kafkaIsOffByDefaultAndOnWithItsPropertiesItIsTheRelaysPublisher() {
        jdbc.run(context -> assertThat(context).doesNotHaveBean(KafkaOutboxPublisher.class));
        jdbc.withPropertyValues(
                        "consentkit.outbox.kafka.enabled=true",
                        "consentkit.outbox.kafka.bootstrap-servers=127.0.0.1:1",
                        "consentkit.outbox.kafka.topic=consent-changes",
                        "consentkit.outbox.kafka.transactional-id=relay-a")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    KafkaOutboxPublisher kafka = context.getBean(KafkaOutboxPublisher.class);
                    assertThat(kafka.topic()).isEqualTo("consent-changes");
                    assertThat(kafka.transactional()).isTrue();
                    assertThat(context).hasSingleBean(OutboxRelay.class);
                });
        jdbc.withPropertyValues("consentkit.outbox.kafka.enabled=true")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("consentkit.outbox.kafka: ")
                        .rootCause()
                        .hasMessageContaining("bootstrapServers"));
    }

    @Test
    void rabbitIsOffByDefaultAndOnBesideKafkaOneRelayPublishesToBoth() {
        jdbc.run(context -> assertThat(context).doesNotHaveBean(RabbitOutboxPublisher.class));
        jdbc.withPropertyValues(
                        "consentkit.outbox.rabbit.enabled=true",
                        "consentkit.outbox.rabbit.uri=amqp://guest:guest@127.0.0.1:1/%2f",
                        "consentkit.outbox.rabbit.exchange=consent-changes",
                        "consentkit.outbox.kafka.enabled=true",
                        "consentkit.outbox.kafka.bootstrap-servers=127.0.0.1:1")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(RabbitOutboxPublisher.class);
                    assertThat(context).hasSingleBean(KafkaOutboxPublisher.class);
                    assertThat(context).hasSingleBean(OutboxRelay.class);
                });
        jdbc.withPropertyValues("consentkit.outbox.rabbit.enabled=true", "consentkit.outbox.rabbit.exchange=")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("consentkit.outbox.rabbit: ")
                        .rootCause()
                        .hasMessageContaining("exchange"));
    }

    @Test
    void webhooksOnPostSignedEventsToEachEndpointAndLogTheDelivery() throws Exception {
        List<com.sun.net.httpserver.Headers> requests = new CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            requests.add(exchange.getRequestHeaders());
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            String secret = WebhookPublisher.newSecret();
            jdbc.withPropertyValues(
                            "consentkit.outbox.poll-interval=20ms",
                            "consentkit.outbox.webhooks.enabled=true",
                            "consentkit.outbox.webhooks.endpoints[0].name=crm",
                            "consentkit.outbox.webhooks.endpoints[0].url=http://127.0.0.1:"
                                    + server.getAddress().getPort() + "/hook",
                            "consentkit.outbox.webhooks.endpoints[0].secrets=" + secret)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        AuditEntry written = context.getBean(ConsentManager.class)
                                .record(ConsentCommand.optOut("cust-1", "marketing.email")
                                        .build());
                        await(() -> !requests.isEmpty());
                        assertThat(requests.get(0).getFirst("webhook-id"))
                                .isEqualTo(written.id().toString());
                        assertThat(requests.get(0).getFirst("webhook-signature"))
                                .startsWith("v1,");
                        WebhookDeliveries deliveries = WebhookDeliveries.builder()
                                .dataSource(context.getBean(javax.sql.DataSource.class))
                                .build();
                        await(() -> deliveries.deliveredAt("crm", written.id()).isPresent());
                    });
        } finally {
            server.stop(0);
        }
        jdbc.withPropertyValues("consentkit.outbox.webhooks.enabled=true")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("consentkit.outbox.webhooks: ")
                        .rootCause()
                        .hasMessageContaining("endpoints"));
    }

    @Test
    void aBadSettingIsNamed() {
        jdbc.withBean(Collecting.class)
                .withPropertyValues("consentkit.outbox.partitions-per-pass=17")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("partitionsPerPass"));
        jdbc.withPropertyValues("consentkit.outbox.subject-pseudonym-key=short")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("subjectPseudonymKey"));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("condition met in time").isBefore(deadline);
            Thread.sleep(20);
        }
    }
}
