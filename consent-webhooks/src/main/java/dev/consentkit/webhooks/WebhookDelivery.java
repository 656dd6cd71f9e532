package dev.consentkit.webhooks;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One row of the webhook delivery log: an attempt to deliver an entry to an endpoint, or the record that the
 * publisher gave up on it.
 *
 * @param endpoint    the endpoint's name, as set on {@link WebhookPublisher.Builder#endpoint}
 * @param entryId     the audit entry's id, which is also the request's {@code webhook-id} and the CloudEvent's id
 * @param attempt     1 for the first attempt, counting up; a {@link DeliveryOutcome#DEAD_LETTERED} row carries the
 *                    number after the last attempt
 * @param attemptedAt when the attempt was made (the request's {@code webhook-timestamp}, to the microsecond)
 * @param outcome     what came of it
 * @param httpStatus  the endpoint's HTTP status, if it answered at all
 * @param detail      for a failure, {@code HTTP <status>} or the exception's class name; never the response body
 */
public record WebhookDelivery(
        String endpoint,
        UUID entryId,
        int attempt,
        Instant attemptedAt,
        DeliveryOutcome outcome,
        Optional<Integer> httpStatus,
        Optional<String> detail) {

    public WebhookDelivery {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(attemptedAt, "attemptedAt");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(httpStatus, "httpStatus");
        Objects.requireNonNull(detail, "detail");
    }
}
