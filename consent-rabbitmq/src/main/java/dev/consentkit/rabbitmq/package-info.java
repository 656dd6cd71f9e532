/**
 * The JDBC outbox to RabbitMQ: {@link dev.consentkit.rabbitmq.RabbitOutboxPublisher}, an
 * {@link dev.consentkit.jdbc.OutboxPublisher} for an {@link dev.consentkit.jdbc.OutboxRelay} that publishes each
 * committed audit entry as a CloudEvents message with publisher confirms, at least once and in order per subject
 * on a single-active-consumer queue.
 */
@NullMarked
package dev.consentkit.rabbitmq;

import org.jspecify.annotations.NullMarked;
