package dev.consentkit.webhooks;

import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.webhooks.internal.DeliveryLog;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads the webhook delivery log that {@link WebhookPublisher}s write: every attempt to deliver an entry, which
 * entries an endpoint gave up on, and when an endpoint accepted an entry — the answer to "when was this party told
 * of the opt-out?" (CCPA regulations §7026(f)). Each query runs on a connection of its own; failures are
 * {@link ConsentStoreException}s.
 *
 * <pre>{@code
 * WebhookDeliveries deliveries = WebhookDeliveries.builder().dataSource(dataSource).build();
 * Optional<Instant> told = deliveries.deliveredAt("ad-platform", optOut.id());
 * }</pre>
 */
public final class WebhookDeliveries {

    private final DeliveryLog log;

    WebhookDeliveries(DeliveryLog log) {
        this.log = log;
    }

    /** A builder; {@link Builder#dataSource} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every row for {@code entryId}, at every endpoint, ordered by endpoint and attempt. */
    public List<WebhookDelivery> attempts(UUID entryId) {
        return log.attempts(Checks.notNull(entryId, "entryId"));
    }

    /** Every row for {@code entryId} at {@code endpoint}, ordered by attempt. */
    public List<WebhookDelivery> attempts(String endpoint, UUID entryId) {
        return log.attempts(Checks.notNull(endpoint, "endpoint"), Checks.notNull(entryId, "entryId"));
    }

    /**
     * The {@link DeliveryOutcome#DEAD_LETTERED} rows of {@code endpoint}, oldest first: the entries it never
     * accepted. Each row's detail names the last failure; {@link #attempts(String, UUID)} lists them all.
     */
    public List<WebhookDelivery> deadLettered(String endpoint) {
        return log.withOutcome(Checks.notNull(endpoint, "endpoint"), DeliveryOutcome.DEAD_LETTERED);
    }

    /**
     * When {@code endpoint} accepted {@code entryId} (answered 2xx; the first time, should it have done so more
     * than once), or empty if it has not.
     */
    public Optional<Instant> deliveredAt(String endpoint, UUID entryId) {
        return log.firstDelivered(Checks.notNull(endpoint, "endpoint"), Checks.notNull(entryId, "entryId"));
    }

    /** Builds {@link WebhookDeliveries} on the store's database. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private String tablePrefix = "consent_";
        private @Nullable String schema;

        private Builder() {}

        /** The store's database. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Checks.notNull(dataSource, "dataSource");
            return this;
        }

        /** The store's table prefix; default {@code consent_}. */
        public Builder tablePrefix(String tablePrefix) {
            Checks.notNull(tablePrefix, "tablePrefix");
            DeliveryLog.checkIdentifier(tablePrefix, "tablePrefix", true);
            this.tablePrefix = tablePrefix;
            return this;
        }

        /** The store's schema; default: the connection's. */
        public Builder schema(@Nullable String schema) {
            DeliveryLog.checkIdentifier(schema, "schema", false);
            this.schema = schema;
            return this;
        }

        /**
         * Builds the reader.
         *
         * @throws InvalidConsentRequestException naming {@code dataSource} if it is missing
         */
        public WebhookDeliveries build() {
            return new WebhookDeliveries(
                    new DeliveryLog(Checks.notNull(dataSource, "dataSource"), schema, tablePrefix));
        }
    }
}
