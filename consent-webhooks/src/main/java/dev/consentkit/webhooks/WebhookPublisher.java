package dev.consentkit.webhooks;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import dev.consentkit.webhooks.internal.DeliveryLog;
import dev.consentkit.webhooks.internal.EndpointUrls;
import dev.consentkit.webhooks.internal.WebhookSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the JDBC outbox to one HTTPS endpoint of a downstream party (a CRM, an ad platform, a data broker), as
 * the {@link OutboxPublisher} of an {@link OutboxRelay}: every committed entry is POSTed as its CloudEvent
 * ({@link ConsentEventFormat#toJson}, {@code content-type: application/cloudevents+json}), signed as the
 * <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> specification describes, and every attempt is
 * a row of the delivery log ({@code consent_webhook_delivery}), the evidence that, and when, the party was told —
 * for example of an opt-out of sale or sharing (CCPA regulations §7026(f)). {@link WebhookDeliveries} reads it.
 *
 * <p>Each request carries {@code webhook-id} (the entry id, the same on every retry), {@code webhook-timestamp}
 * (epoch seconds of the attempt, from the {@link Builder#clock clock}) and {@code webhook-signature}: for each
 * secret {@code v1,} and the base64 HMAC-SHA256 of {@code "{webhook-id}.{webhook-timestamp}.{body}"} under the
 * secret's decoded key, separated by spaces. Give two secrets while rotating: receivers accept a request if any
 * signature matches the secret they hold.
 *
 * <p>Per entry of a batch, in order: an entry the log shows as {@link DeliveryOutcome#DELIVERED delivered} or
 * {@link DeliveryOutcome#DEAD_LETTERED dead-lettered} at this endpoint is skipped, so a batch the relay offers again
 * (after a later entry failed, or after the relay's transaction failed) does not send it twice. Otherwise it is
 * sent: a 2xx answer writes a {@code DELIVERED} row; anything else (another status, redirects included, a timeout,
 * a refused connection) a {@code FAILED} row with the status or the exception's class name, never the response
 * body. If attempts are left, {@link #publish} then throws {@link WebhookDeliveryException}: the relay keeps the
 * batch and offers it again after its back-off, and the later entries wait, which keeps each subject's order. After
 * the {@link Builder#maxAttempts last attempt} a {@code DEAD_LETTERED} row follows and the publisher goes on with
 * the next entry. Each row is committed on its own connection of the {@link Builder#dataSource data source}, which
 * must therefore be able to hand out a connection besides the one the relay's pass holds.
 *
 * <pre>{@code
 * WebhookPublisher crm = WebhookPublisher.builder()
 *         .endpoint("crm")
 *         .url("https://hooks.crm.example/consent")
 *         .secret(System.getenv("CRM_WEBHOOK_SECRET"))   // whsec_...
 *         .dataSource(dataSource)
 *         .build();
 * OutboxRelay relay = OutboxRelay.builder(store).publisher(crm).name("webhooks").build();
 * relay.start(Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>One relay drains the outbox with one publisher; for several endpoints use {@link #fanOut}.
 */
public final class WebhookPublisher implements OutboxPublisher {

    private static final Logger log = LoggerFactory.getLogger(WebhookPublisher.class);

    /** The media type of a structured CloudEvent in JSON, the request's {@code content-type}. */
    public static final String CONTENT_TYPE = "application/cloudevents+json";

    /** The default request timeout. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** The default number of attempts per entry before it is dead-lettered. */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;

    private final String endpoint;
    private final URI url;
    private final WebhookSigner signer;
    private final DeliveryLog deliveryLog;
    private final WebhookDeliveries deliveries;
    private final ConsentEventFormat format;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Clock clock;

    private WebhookPublisher(Builder b, URI url, WebhookSigner signer, DataSource dataSource, HttpClient http) {
        this.endpoint = b.endpoint == null ? "" : b.endpoint;
        this.url = url;
        this.signer = signer;
        this.deliveryLog = new DeliveryLog(dataSource, b.schema, b.tablePrefix);
        this.deliveries = new WebhookDeliveries(deliveryLog);
        this.format = b.format;
        this.http = http;
        this.requestTimeout = b.requestTimeout;
        this.maxAttempts = b.maxAttempts;
        this.clock = b.clock;
    }

    /** A builder; {@link Builder#endpoint}, {@link Builder#url}, a secret and the data source are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new random secret in the Standard Webhooks form: {@code whsec_} and the base64 of 32 random bytes. Share it
     * with the receiver over a secure channel.
     */
    public static String newSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return WebhookSigner.SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * One publisher for several endpoints, each with its own delivery log rows: {@link OutboxPublisher#toAll} over
     * them, after checking that their endpoint names differ. Every batch goes to every endpoint in the given order,
     * also when an earlier one failed, and the fan-out throws the first failure once all were tried. The relay then
     * offers the batch again, and each endpoint skips what it already took, so a failing endpoint delays the others' later entries only until it recovers or its
     * entries are dead-lettered.
     *
     * @throws InvalidConsentRequestException naming {@code publishers} if there are none or two share an endpoint
     */
    public static OutboxPublisher fanOut(List<WebhookPublisher> publishers) {
        Checks.notNull(publishers, "publishers");
        Checks.check(!publishers.isEmpty(), "publishers", "must not be empty");
        Set<String> names = new HashSet<>();
        for (WebhookPublisher p : publishers) {
            Checks.notNull(p, "publishers");
            Checks.check(names.add(p.endpoint()), "publishers", "must have distinct endpoint names");
        }
        return OutboxPublisher.toAll(publishers);
    }

    /**
     * Sends each entry this endpoint has not yet taken, in order, and returns when all were delivered or
     * dead-lettered.
     *
     * @throws WebhookDeliveryException when an entry was not accepted and has attempts left; the entries after it
     *     were not sent
     * @throws ConsentStoreException when the delivery log could not be read or written
     */
    @Override
    public void publish(List<AuditEntry> entries) throws WebhookDeliveryException {
        if (entries.isEmpty()) {
            return;
        }
        List<UUID> ids = new ArrayList<>(entries.size());
        for (AuditEntry e : entries) {
            ids.add(e.id());
        }
        Map<UUID, DeliveryLog.State> states = deliveryLog.states(endpoint, ids);
        for (AuditEntry entry : entries) {
            DeliveryLog.State state = states.getOrDefault(entry.id(), DeliveryLog.State.NONE);
            if (state.settled()) {
                continue; // this endpoint took it already (or gave up on it): a re-offered batch
            }
            deliver(entry, state.lastAttempt() + 1);
        }
    }

    private void deliver(AuditEntry entry, int attempt) throws WebhookDeliveryException {
        String id = entry.id().toString();
        byte[] body = format.toJson(entry).getBytes(StandardCharsets.UTF_8);
        Instant at = clock.instant();
        long timestamp = at.getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(requestTimeout)
                .header("content-type", CONTENT_TYPE)
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signer.sign(id, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        Integer status = null;
        Exception failure = null;
        try {
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        if (status != null && status >= 200 && status < 300) {
            deliveryLog.append(endpoint, entry.id(), attempt, at, DeliveryOutcome.DELIVERED, status, null);
            return;
        }
        String detail = status != null ? "HTTP " + status : failureName(failure);
        deliveryLog.append(endpoint, entry.id(), attempt, at, DeliveryOutcome.FAILED, status, detail);
        if (attempt < maxAttempts || failure instanceof InterruptedException) {
            throw new WebhookDeliveryException(endpoint, entry.id(), attempt, status, failure);
        }
        deliveryLog.append(
                endpoint,
                entry.id(),
                attempt + 1,
                clock.instant(),
                DeliveryOutcome.DEAD_LETTERED,
                status,
                "gave up after " + attempt + " attempts; last: " + detail);
        log.warn(
                "Webhook endpoint {}: entry {} dead-lettered after {} attempts (last: {}); going on with the next entries",
                endpoint,
                id,
                attempt,
                detail);
    }

    private static String failureName(@Nullable Exception failure) {
        return failure == null ? "no answer" : failure.getClass().getName();
    }

    /** The endpoint's name, the delivery log's {@code endpoint}. */
    public String endpoint() {
        return endpoint;
    }

    /** The URL requests go to. */
    public URI url() {
        return url;
    }

    /** The attempts an entry gets before it is dead-lettered. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The delivery log this publisher writes, to read. */
    public WebhookDeliveries deliveries() {
        return deliveries;
    }

    @Override
    public String toString() {
        return "WebhookPublisher[" + endpoint + " -> " + url.getHost() + ", " + signer.size() + " secret(s)]";
    }

    /** Builds a {@link WebhookPublisher}; every setter refuses bad input with {@link InvalidConsentRequestException}. */
    public static final class Builder {
        private @Nullable String endpoint;
        private @Nullable String url;
        private final List<String> secrets = new ArrayList<>();
        private @Nullable DataSource dataSource;
        private String tablePrefix = "consent_";
        private @Nullable String schema;
        private ConsentEventFormat format = ConsentEventFormat.defaults();
        private @Nullable HttpClient httpClient;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * The endpoint's name in the delivery log, logs and metrics, for example {@code crm}: 1 to 64 characters,
         * no control characters; keep it stable, since it is how the log knows what this endpoint already took.
         */
        public Builder endpoint(String endpoint) {
            Checks.notBlank(endpoint, "endpoint");
            Checks.check(endpoint.length() <= 64, "endpoint", "must be at most 64 characters");
            Checks.check(
                    endpoint.chars().noneMatch(Character::isISOControl),
                    "endpoint",
                    "must not contain control characters");
            this.endpoint = endpoint;
            return this;
        }

        /**
         * Where requests go: an absolute {@code https} URL without user info; plain {@code http} only to a loopback
         * host ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}).
         */
        public Builder url(String url) {
            Checks.notBlank(url, "url");
            EndpointUrls.check(url, "url");
            this.url = url;
            return this;
        }

        /** Like {@link #url(String)}. */
        public Builder url(URI url) {
            return url(Checks.notNull(url, "url").toString());
        }

        /**
         * Adds a signing secret in the Standard Webhooks form {@code whsec_<base64 of 24 to 64 bytes>}. With
         * several, every request carries one signature per secret, in the order added: add the new secret beside
         * the old one, let the receiver switch, then drop the old one.
         */
        public Builder secret(String secret) {
            Checks.notNull(secret, "secrets");
            WebhookSigner.decode(secret, "secrets");
            secrets.add(secret);
            return this;
        }

        /** Replaces the signing secrets with {@code secrets} (at least one); see {@link #secret}. */
        public Builder secrets(List<String> secrets) {
            Checks.notNull(secrets, "secrets");
            Checks.check(!secrets.isEmpty(), "secrets", "must not be empty");
            for (String s : secrets) {
                Checks.notNull(s, "secrets");
                WebhookSigner.decode(s, "secrets");
            }
            this.secrets.clear();
            this.secrets.addAll(secrets);
            return this;
        }

        /**
         * The database of the delivery log: the store's, with its schema version 3 tables. Give a plain data
         * source (a pool), not one that joins the caller's transaction: each row commits on its own.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Checks.notNull(dataSource, "dataSource");
            return this;
        }

        /** The store's table prefix, as on {@code JdbcConsentStore.Builder#tablePrefix}; default {@code consent_}. */
        public Builder tablePrefix(String tablePrefix) {
            Checks.notNull(tablePrefix, "tablePrefix");
            DeliveryLog.checkIdentifier(tablePrefix, "tablePrefix", true);
            this.tablePrefix = tablePrefix;
            return this;
        }

        /** The store's schema, as on {@code JdbcConsentStore.Builder#schema}; default: the connection's. */
        public Builder schema(@Nullable String schema) {
            DeliveryLog.checkIdentifier(schema, "schema", false);
            this.schema = schema;
            return this;
        }

        /** How entries become request bodies; default {@link ConsentEventFormat#defaults()}. */
        public Builder eventFormat(ConsentEventFormat format) {
            this.format = Checks.notNull(format, "eventFormat");
            return this;
        }

        /**
         * The HTTP client; default a {@link HttpClient} with a 10 s connect timeout that follows no redirects (a
         * 3xx answer is a failed attempt). A client of your own should not follow redirects either.
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Checks.notNull(httpClient, "httpClient");
            return this;
        }

        /** How long an attempt waits for the endpoint's answer; default 10 s. A timeout is a failed attempt. */
        public Builder requestTimeout(Duration requestTimeout) {
            Checks.notNull(requestTimeout, "requestTimeout");
            Checks.check(
                    !requestTimeout.isNegative() && !requestTimeout.isZero(), "requestTimeout", "must be positive");
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Attempts per entry before it is dead-lettered and the next entries go; default 8. With the relay's
         * default back-off (1 s doubling up to 5 min) eight attempts span about two minutes; raise it, or the
         * relay's back-off, to ride out longer outages.
         */
        public Builder maxAttempts(int maxAttempts) {
            Checks.check(maxAttempts >= 1, "maxAttempts", "must be at least 1");
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The clock of {@code webhook-timestamp} and of the log's {@code attempted_at}; default UTC. */
        public Builder clock(Clock clock) {
            this.clock = Checks.notNull(clock, "clock");
            return this;
        }

        /**
         * Builds the publisher.
         *
         * @throws InvalidConsentRequestException naming the missing property
         */
        public WebhookPublisher build() {
            Checks.check(endpoint != null, "endpoint", "is required");
            String u = url;
            Checks.check(u != null, "url", "is required");
            Checks.check(!secrets.isEmpty(), "secrets", "at least one secret is required");
            DataSource ds = Checks.notNull(dataSource, "dataSource");
            HttpClient client = httpClient != null
                    ? httpClient
                    : HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(10))
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
            return new WebhookPublisher(
                    this,
                    EndpointUrls.check(Checks.notNull(u, "url"), "url"),
                    WebhookSigner.of(secrets, "secrets"),
                    ds,
                    client);
        }
    }
}
