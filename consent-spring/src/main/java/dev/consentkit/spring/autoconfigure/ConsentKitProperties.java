package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.LegalBasis;
import java.time.Duration;
import java.time.Period;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;

/**
 * The {@code consentkit.*} properties: the tenant, the purposes and preferences to declare, how evidence is
 * minimised, the JDBC store's tables and the web endpoints. Bound once at start-up through the constructor.
 *
 * <pre>
 * consentkit:
 *   purposes:
 *     - id: marketing.email
 *       basis: consent
 *       title: Newsletter by e-mail
 *       validity: P13M
 *       direct-marketing: true
 *     - id: ads.sale
 *       basis: consent
 *       sale-or-share: true
 * </pre>
 *
 * @param tenant       Tenant (brand or business unit) the application's ConsentManager records for.
 * @param purposes     Purposes to declare; list several versions of one purpose as separate entries.
 * @param preferences  Communication preferences that are not yes/no, for example a newsletter frequency.
 * @param pseudonymKey Secret key (at least 16 characters) for the keyed pseudonyms that replace an erased
 *                     subject's identifier. Needed for erasure; keep it stable and secret.
 * @param evidence     How IP addresses and user agents in evidence are minimised before they are stored.
 * @param jdbc         JDBC store, used when a DataSource and consent-jdbc are present.
 * @param web          Servlet integration: the Global Privacy Control filter and the REST endpoints.
 * @param checkpoint   Signed checkpoints of the tenant's log: the key, and how often one is signed.
 * @param cache        Decision cache: each subject's current statements kept in memory for fast checks.
 * @param outbox       Relays that carry every committed change from the JDBC store's outbox to Kafka, RabbitMQ or
 *                     webhooks; all off by default.
 */
@ConfigurationProperties("consentkit")
public record ConsentKitProperties(
        @DefaultValue("default") String tenant,
        @DefaultValue List<Purpose> purposes,
        @DefaultValue List<Preference> preferences,
        @Nullable String pseudonymKey,
        @DefaultValue Evidence evidence,
        @DefaultValue Jdbc jdbc,
        @DefaultValue Web web,
        @DefaultValue Checkpoint checkpoint,
        @DefaultValue Cache cache,
        @DefaultValue Outbox outbox) {

    /**
     * The outbox relay of this instance (see docs/outbox.md): on when any engine below is enabled or the application
     * declares an {@code OutboxPublisher} bean, and only with the JDBC store. One relay per instance drains the
     * outbox to every enabled engine in turn (a failing engine holds the batch back for all; at least once, so the
     * others may receive an event again, always with the same id). Relays on several instances share the outbox and
     * keep each subject's order.
     *
     * @param pollInterval        How often the relay looks for waiting changes.
     * @param batchSize           Entries published per pass at most.
     * @param partitionsPerPass   How many of the outbox's 16 partitions one pass takes (1 to 16).
     * @param maxLag              The health indicator {@code consentkitOutbox} is DOWN while the oldest waiting change
     *                            is older than this.
     * @param subjectPseudonymKey Secret (at least 16 characters): events carry the subject's keyed pseudonym instead
     *                            of its id, for buses that must not carry identifiers.
     * @param kafka               The Kafka producer relay (consent-kafka).
     * @param rabbit              The RabbitMQ relay (consent-rabbitmq).
     * @param webhooks            Signed webhooks (consent-webhooks).
     */
    public record Outbox(
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("100") int batchSize,
            @DefaultValue("4") int partitionsPerPass,
            @DefaultValue("5m") Duration maxLag,
            @Nullable String subjectPseudonymKey,
            @DefaultValue Kafka kafka,
            @DefaultValue Rabbit rabbit,
            @DefaultValue Webhooks webhooks) {}

    /**
     * The Kafka relay: the idempotent Kafka producer, key = subject (or its pseudonym), the CloudEvent as value.
     *
     * @param enabled          Whether the relay publishes to Kafka.
     * @param bootstrapServers The brokers, for example {@code kafka-1:9092,kafka-2:9092}. Required when enabled.
     * @param topic            The topic.
     * @param transactionalId  When set, each batch is one Kafka transaction (consumers read with
     *                         {@code isolation.level=read_committed}); unique per instance.
     * @param properties       Further producer settings (security, client id), as the Kafka client names them.
     */
    public record Kafka(
            boolean enabled,
            @Nullable String bootstrapServers,
            @DefaultValue("consentkit.events") String topic,
            @Nullable String transactionalId,
            @DefaultValue Map<String, String> properties) {}

    /**
     * The RabbitMQ relay: publisher confirms, one channel in outbox order.
     *
     * @param enabled  Whether the relay publishes to RabbitMQ.
     * @param uri      The broker, {@code amqp://user:password@host:5672/vhost}.
     * @param exchange The exchange events are published to (declared by the application or its operators).
     */
    public record Rabbit(
            boolean enabled,

            @DefaultValue("amqp://guest:guest@localhost:5672/%2f")
            String uri,

            @DefaultValue("consentkit.events") String exchange) {}

    /**
     * Webhooks: one signed POST per event and endpoint, with a delivery log in the store's database.
     *
     * @param enabled     Whether the relay delivers webhooks.
     * @param endpoints   The receiving endpoints.
     * @param maxAttempts Attempts per event and endpoint before it is dead-lettered.
     */
    public record Webhooks(
            boolean enabled,
            @DefaultValue List<WebhookEndpoint> endpoints,
            @DefaultValue("8") int maxAttempts) {}

    /**
     * One webhook receiver.
     *
     * @param name    Its name in the delivery log (at most 64 characters).
     * @param url     Where events are POSTed (https; http only on loopback).
     * @param secrets Signing secrets in the Standard Webhooks form {@code whsec_<base64>}; several while rotating.
     */
    public record WebhookEndpoint(
            String name, String url, @DefaultValue List<String> secrets) {}

    /**
     * Signed checkpoints ({@code ConsentManager.checkpoint()}): the key that signs and verifies them, and how often
     * one is signed. Each scheduled checkpoint is kept in the store and published as an application event carrying
     * the {@code dev.consentkit.core.Checkpoint}, for a listener to ship its text outside the database.
     *
     * @param interval         How often a checkpoint is signed, for example 1h; off when unset. Needs a key.
     * @param grace            How far back from now a checkpoint stops covering entries: longer than any
     *                         transaction that records consent, plus the clock lag between instances.
     * @param keyId            Id of the key, written into every checkpoint.
     * @param hmacSecret       HMAC-SHA256 secret (at least 32 characters); whoever verifies can also sign.
     * @param ed25519PrivateKey Ed25519 private key in PKCS#8 PEM (openssl genpkey -algorithm ed25519), for example
     *                         file:/etc/consentkit/checkpoint.pem. With ed25519-public-key.
     * @param ed25519PublicKey Ed25519 public key in X.509 PEM (openssl pkey -pubout), the one auditors verify with.
     */
    public record Checkpoint(
            @Nullable Duration interval,
            @DefaultValue("1m") Duration grace,
            @DefaultValue("consentkit") String keyId,
            @Nullable String hmacSecret,
            @Nullable Resource ed25519PrivateKey,
            @Nullable Resource ed25519PublicKey) {}

    /**
     * One version of a purpose.
     *
     * @param id                   Dotted purpose id, for example marketing.email. Required.
     * @param version              Purpose version (1 or more); declare a new version when the text or scope
     *                             changes.
     * @param basis                GDPR Art. 6 legal basis. Required.
     * @param title                Title shown to subjects; defaults to the id.
     * @param description          Description shown to subjects.
     * @param validity             How long a grant lasts before it lapses, for example P13M or 13m.
     * @param reconsentFromVersion Version from which grants count; grants for older versions lapse (a material
     *                             change).
     * @param saleOrShare          Whether it is covered by a "do not sell or share" opt-out and by Global Privacy
     *                             Control.
     * @param directMarketing      Whether an objection to it is absolute (GDPR Art. 21(3)): only the subject itself
     *                             can lift it.
     * @param dataCategories       Comma-separated list of the categories of personal data processed, for example
     *                             email.
     * @param texts                Titles and descriptions per locale, for example texts.de.title.
     */
    public record Purpose(
            @Nullable String id,
            @DefaultValue("1") int version,
            @Nullable LegalBasis basis,
            @Nullable String title,
            @DefaultValue("") String description,
            @Nullable Period validity,
            @DefaultValue("1") int reconsentFromVersion,
            boolean saleOrShare,
            boolean directMarketing,
            @DefaultValue List<String> dataCategories,
            @DefaultValue Map<Locale, Text> texts) {}

    /**
     * A title and description in one locale.
     *
     * @param title       Title in this locale.
     * @param description Description in this locale.
     */
    public record Text(
            @DefaultValue("") String title,
            @DefaultValue("") String description) {}

    /**
     * A communication preference.
     *
     * @param key           Dotted key, for example newsletter.frequency. Required.
     * @param allowedValues Comma-separated list of the values a subject may choose, in display order.
     * @param defaultValue  Value before the subject chose; must be one of the allowed values.
     */
    public record Preference(
            @Nullable String key,
            @DefaultValue List<String> allowedValues,
            @Nullable String defaultValue) {}

    /**
     * How IP addresses and user agents in evidence are minimised before they are stored.
     *
     * @param ipAddress What is stored of the subject's IP address: keep, truncate (/24, /48), hash (needs
     *                  hash-key) or drop.
     * @param userAgent What is stored of the user agent: keep, truncate (64 characters), hash (needs hash-key) or
     *                  drop.
     * @param hashKey   Secret key (at least 16 characters) for the keyed hash when a field is set to hash.
     */
    public record Evidence(
            @DefaultValue("truncate") EvidencePolicy.Minimisation ipAddress,
            @DefaultValue("keep") EvidencePolicy.Minimisation userAgent,
            @Nullable String hashKey) {}

    /**
     * The JDBC store, used when a DataSource and consent-jdbc are present.
     *
     * @param tablePrefix      Prefix of every table name.
     * @param schema           Schema (PostgreSQL, H2) or database (MariaDB, MySQL) holding the tables; by default
     *                         the connection's.
     * @param initializeSchema When to create the tables at start-up if they are missing: embedded (on an embedded
     *                         database such as H2 in memory), always or never (the tables come from migrations).
     *                         Needs Spring Boot's JDBC module.
     * @param lockTimeout      How long a consent write waits for another transaction's lock on the subject before
     *                         it fails with reason LOCK_TIMEOUT (it is not retried). MariaDB and MySQL round it up
     *                         to whole seconds.
     */
    public record Jdbc(
            @DefaultValue("consent_") String tablePrefix,
            @Nullable String schema,
            @DefaultValue("embedded") SchemaInitialization initializeSchema,
            @DefaultValue("5s") Duration lockTimeout) {}

    /**
     * When the JDBC store's tables are created at start-up, if they are missing; the same values as Spring Boot's
     * {@code DatabaseInitializationMode}, kept here so that binding needs no Spring Boot JDBC module.
     */
    public enum SchemaInitialization {
        /** Only on an embedded database (H2, HSQLDB, Derby in memory). */
        EMBEDDED,
        /** On every database. */
        ALWAYS,
        /** Never: the tables come from migrations (the shipped scripts or Flyway migrations). */
        NEVER
    }

    /**
     * The servlet integration: the Global Privacy Control filter and the REST endpoints.
     *
     * @param enabled              Whether the REST endpoints are on.
     * @param basePath             Path the REST endpoints live under.
     * @param allowUnauthenticated Whether the endpoints start without Spring Security, open to every caller. Only
     *                             for trusted networks and tests.
     * @param auditorAuthority     Authority that may read other subjects' data and run the auditor exports.
     * @param adminAuthority       Authority that may read and change every subject's choices and run the
     *                             exports.
     * @param gpc                  Global Privacy Control filter.
     */
    public record Web(
            boolean enabled,
            @DefaultValue("/consentkit") String basePath,
            boolean allowUnauthenticated,
            @DefaultValue("CONSENT_AUDITOR") String auditorAuthority,
            @DefaultValue("CONSENT_ADMIN") String adminAuthority,
            @DefaultValue Gpc gpc) {}

    /**
     * The Global Privacy Control filter.
     *
     * @param enabled         Whether a "Sec-GPC: 1" request header opts the resolved subject out of sale-or-share
     *                        purposes.
     * @param collectionPoint Collection point recorded in the evidence of a GPC opt-out.
     * @param filterOrder     Order of the filter; after Spring Security's filter chain (-100) so that the principal
     *                        is known.
     */
    public record Gpc(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("sec-gpc-header") String collectionPoint,
            @DefaultValue("0") int filterOrder) {}

    /**
     * The decision cache (off by default): each subject's current statements kept in memory so that repeated checks
     * need no database round trip. With the JDBC store, other instances' writes reach it through the database:
     * PostgreSQL notifications (every writing instance must have the cache enabled, which turns them on) or, on other
     * databases, polling the log. While that feed is down the cache is bypassed.
     *
     * @param enabled      Whether checks are served from the cache.
     * @param maxSize      How many subjects are kept at most.
     * @param maxStaleness How long an entry is kept after it was read from the database, at most, whatever the
     *                     change feed says.
     * @param pollInterval How often the log is polled for other instances' writes (MariaDB, MySQL, H2).
     */
    public record Cache(
            boolean enabled,
            @DefaultValue("100000") long maxSize,
            @DefaultValue("1m") Duration maxStaleness,
            @DefaultValue("100ms") Duration pollInterval) {}
}
