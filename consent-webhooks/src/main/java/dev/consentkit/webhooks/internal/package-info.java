/**
 * Internal API; may change without notice. The Standard Webhooks signer, the endpoint URL rules and the delivery
 * log's SQL behind {@link dev.consentkit.webhooks.WebhookPublisher} and {@link dev.consentkit.webhooks.WebhookDeliveries}.
 */
@NullMarked
package dev.consentkit.webhooks.internal;

import org.jspecify.annotations.NullMarked;
