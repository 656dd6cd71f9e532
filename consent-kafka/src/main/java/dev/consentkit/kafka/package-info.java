/**
 * The JDBC outbox to Kafka: {@link dev.consentkit.kafka.KafkaOutboxPublisher}, an
 * {@link dev.consentkit.jdbc.OutboxPublisher} for an {@link dev.consentkit.jdbc.OutboxRelay} that publishes each
 * committed audit entry as a CloudEvent keyed by subject, with the idempotent producer or one Kafka transaction per
 * batch: at least once, in chain order per subject.
 */
@NullMarked
package dev.consentkit.kafka;

import org.jspecify.annotations.NullMarked;
