/**
 * ConsentKit events: every committed audit entry as a CloudEvents 1.0 event ({@link
 * dev.consentkit.events.ConsentEventFormat}), with the JSON Schema of its data shipped in this jar. The JDBC outbox
 * writes these events into its event columns for change-data capture, and the Kafka, RabbitMQ and webhook relays
 * publish them.
 */
@NullMarked
package dev.consentkit.events;

import org.jspecify.annotations.NullMarked;
