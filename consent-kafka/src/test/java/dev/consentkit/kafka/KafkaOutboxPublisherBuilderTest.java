package dev.consentkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.InvalidConsentRequestException;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Bad builder input is refused with an {@link InvalidConsentRequestException} naming the setter. */
class KafkaOutboxPublisherBuilderTest {

    private static KafkaOutboxPublisher.Builder valid() {
        return KafkaOutboxPublisher.builder().bootstrapServers("127.0.0.1:9092").topic("consent-events");
    }

    @Test
    void buildWithoutBootstrapServersNamesThem() {
        rejected(() -> KafkaOutboxPublisher.builder().topic("consent-events").build(), "bootstrapServers");
        rejected(() -> KafkaOutboxPublisher.builder().bootstrapServers(" "), "bootstrapServers");
        rejected(() -> KafkaOutboxPublisher.builder().bootstrapServers(null), "bootstrapServers");
    }

    @Test
    void buildWithoutTopicNamesIt() {
        rejected(
                () -> KafkaOutboxPublisher.builder()
                        .bootstrapServers("127.0.0.1:9092")
                        .build(),
                "topic");
        rejected(() -> valid().topic(""), "topic");
        rejected(() -> valid().topic("no spaces"), "topic");
        rejected(() -> valid().topic(".."), "topic");
    }

    @Test
    void settingsThatWouldWeakenTheGuaranteesAreRefused() {
        rejected(() -> valid().property("enable.idempotence", "false"), "properties");
        rejected(() -> valid().property("acks", "1"), "properties");
        rejected(() -> valid().properties(Map.of("max.in.flight.requests.per.connection", 6)), "properties");
        rejected(() -> valid().property("transactional.id", "x"), "properties");
        rejected(() -> valid().property("delivery.timeout.ms", "1000"), "properties");
        rejected(() -> valid().properties(null), "properties");
    }

    @Test
    void otherSettersRefuseNullsAndOutOfRangeValues() {
        rejected(() -> valid().eventFormat(null), "eventFormat");
        rejected(() -> valid().transactionalId(" "), "transactionalId");
        rejected(() -> valid().deliveryTimeout(null), "deliveryTimeout");
        rejected(() -> valid().deliveryTimeout(Duration.ofMillis(999)), "deliveryTimeout");
    }

    @Test
    void bootstrapServersAndCompatibleSettingsMayComeAsProperties() {
        KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder()
                .properties(Map.of(
                        "bootstrap.servers", "127.0.0.1:9092",
                        "acks", "-1",
                        "enable.idempotence", true,
                        "max.in.flight.requests.per.connection", "1",
                        "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"))
                .topic("consent-events")
                .build();
        assertThat(publisher.topic()).isEqualTo("consent-events");
        assertThat(publisher.transactional()).isFalse();
        publisher.close();
    }

    private static void rejected(ThrowingCallable call, String field) {
        assertThatThrownBy(call)
                .isExactlyInstanceOf(InvalidConsentRequestException.class)
                .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                        .containsExactly(field));
    }
}
