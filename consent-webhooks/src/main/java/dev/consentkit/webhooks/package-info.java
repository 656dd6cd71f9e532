/**
 * Webhooks for the JDBC store's outbox: {@link dev.consentkit.webhooks.WebhookPublisher} is an
 * {@link dev.consentkit.jdbc.OutboxPublisher} that POSTs every committed entry as a CloudEvent to one HTTPS
 * endpoint, signed as the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> specification
 * describes, retries it through the relay's back-off and dead-letters it after a number of attempts; every attempt
 * is a row of the delivery log, which {@link dev.consentkit.webhooks.WebhookDeliveries} reads ("was this party
 * told of the opt-out, and when?").
 */
@NullMarked
package dev.consentkit.webhooks;

import org.jspecify.annotations.NullMarked;
