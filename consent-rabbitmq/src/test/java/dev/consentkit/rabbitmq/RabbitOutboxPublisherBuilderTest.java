package dev.consentkit.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.ConnectionFactory;
import dev.consentkit.core.InvalidConsentRequestException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The builder's validation and what the publisher does without ever reaching a broker. */
class RabbitOutboxPublisherBuilderTest {

    /** Nothing listens on port 1 of the loopback interface. */
    private static final String NOWHERE = "amqp://guest:guest@127.0.0.1:1/%2f";

    private static void rejected(ThrowingCallable call, String field) {
        assertThatThrownBy(call)
                .isInstanceOf(InvalidConsentRequestException.class)
                .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                        .containsExactly(field));
    }

    @Test
    void buildWithoutConnectionSettingsNamesConnectionFactory() {
        rejected(() -> RabbitOutboxPublisher.builder().exchange("x").build(), "connectionFactory");
    }

    @Test
    void buildWithoutExchangeNamesExchange() {
        rejected(() -> RabbitOutboxPublisher.builder().uri(NOWHERE).build(), "exchange");
    }

    @Test
    void settersRefuseBadValuesNamingTheField() {
        RabbitOutboxPublisher.Builder b = RabbitOutboxPublisher.builder();
        rejected(() -> b.connectionFactory(null), "connectionFactory");
        rejected(() -> b.uri((String) null), "uri");
        rejected(() -> b.uri((java.net.URI) null), "uri");
        rejected(() -> b.uri(" "), "uri");
        rejected(() -> b.uri("http://127.0.0.1:5672/"), "uri");
        rejected(() -> b.uri("amqp://[broken"), "uri");
        rejected(() -> b.exchange(null), "exchange");
        rejected(() -> b.exchange(""), "exchange");
        rejected(() -> b.exchange("x".repeat(256)), "exchange");
        rejected(() -> b.eventFormat(null), "eventFormat");
        rejected(() -> b.routingKey(null), "routingKey");
        rejected(() -> b.confirmTimeout(null), "confirmTimeout");
        rejected(() -> b.confirmTimeout(Duration.ZERO), "confirmTimeout");
        rejected(() -> b.confirmTimeout(Duration.ofMillis(-5)), "confirmTimeout");
        rejected(() -> b.connectionName(" "), "connectionName");
    }

    @Test
    void declareHelpersRefuseMissingArgumentsNamingThem() {
        rejected(() -> RabbitOutboxPublisher.declareExchange(null, "x"), "channel");
        rejected(() -> RabbitOutboxPublisher.declareOrderedQueue(null, "x", "q", "#"), "channel");
    }

    @Test
    void theGivenFactoryIsCopiedWithAutomaticRecoveryOff() {
        ConnectionFactory factory = new ConnectionFactory();
        assertThat(factory.isAutomaticRecoveryEnabled()).isTrue();

        RabbitOutboxPublisher.builder()
                .connectionFactory(factory)
                .exchange("x")
                .build()
                .close();

        assertThat(factory.isAutomaticRecoveryEnabled())
                .as("the caller's factory is left alone")
                .isTrue();
    }

    @Test
    void publishOfAnEmptyBatchNeedsNoBroker() throws IOException {
        try (RabbitOutboxPublisher publisher =
                RabbitOutboxPublisher.builder().uri(NOWHERE).exchange("x").build()) {
            publisher.publish(List.of());
        }
    }

    @Test
    void publishToAnUnreachableBrokerThrowsIoException() {
        try (RabbitOutboxPublisher publisher =
                RabbitOutboxPublisher.builder().uri(NOWHERE).exchange("x").build()) {
            assertThatThrownBy(() -> publisher.publish(List.of(Entries.grant("alice"))))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void publishAfterCloseThrows() {
        RabbitOutboxPublisher publisher =
                RabbitOutboxPublisher.builder().uri(NOWHERE).exchange("x").build();
        publisher.close();

        assertThatThrownBy(() -> publisher.publish(List.of(Entries.grant("alice"))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("closed");
    }
}
