package dev.consentkit.webhooks;

import dev.consentkit.core.ConsentException;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint did not accept an entry (non-2xx status, timeout, refused connection) and the publisher has attempts
 * left for it: {@link WebhookPublisher#publish} throws this, so the relay keeps the batch and offers it again after
 * its back-off. The message names the endpoint, the entry id and the attempt, never the response body.
 */
public class WebhookDeliveryException extends ConsentException {

    private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final UUID entryId;
    private final int attempt;
    private final @Nullable Integer httpStatus;

    /** A failed attempt; {@code cause} is the I/O failure, if there was one. */
    public WebhookDeliveryException(
            String endpoint, UUID entryId, int attempt, @Nullable Integer httpStatus, @Nullable Throwable cause) {
        super("Webhook endpoint '" + endpoint + "' did not accept entry " + entryId + " (attempt " + attempt + ": "
                + (httpStatus != null
                        ? "HTTP " + httpStatus
                        : cause == null ? "no answer" : cause.getClass().getName())
                + ")");
        if (cause != null) {
            initCause(cause);
        }
        this.endpoint = endpoint;
        this.entryId = entryId;
        this.attempt = attempt;
        this.httpStatus = httpStatus;
    }

    /** The endpoint's name. */
    public String endpoint() {
        return endpoint;
    }

    /** The entry that was not accepted. */
    public UUID entryId() {
        return entryId;
    }

    /** The number of the failed attempt, as in the delivery log. */
    public int attempt() {
        return attempt;
    }

    /** The endpoint's status, if it answered. */
    public Optional<Integer> httpStatus() {
        return Optional.ofNullable(httpStatus);
    }
}
