package dev.consentkit.kafka;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentException;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.OutboxPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link OutboxPublisher} that publishes each committed audit entry to one Kafka topic as a CloudEvent in the
 * structured JSON mode: the record's value is {@link ConsentEventFormat#toJson} of the entry, its key
 * {@link ConsentEventFormat#aggregateId} (the subject id, or its keyed pseudonym), so every entry of a subject lands
 * in one partition in chain order; header {@code content-type} is {@value #CONTENT_TYPE}, and {@code ce_id} (the
 * entry id) and {@code ce_type} ({@link ConsentEventFormat#type}) repeat two attributes of the event for routing
 * without parsing it.
 *
 * <pre>{@code
 * KafkaOutboxPublisher kafka = KafkaOutboxPublisher.builder()
 *         .bootstrapServers("kafka-1:9092,kafka-2:9092")
 *         .topic("consent-events")
 *         .property("security.protocol", "SSL")          // any producer setting of your own
 *         .build();
 * OutboxRelay relay = OutboxRelay.builder(store).publisher(kafka).name("kafka").build();
 * relay.start(Duration.ofSeconds(1));
 * ...
 * relay.close();
 * kafka.close();
 * }</pre>
 *
 * <p>{@link #publish} sends the batch in order, flushes, and returns only when Kafka acknowledged every record with
 * {@code acks=all}; if any record failed or was not acknowledged within the {@link Builder#deliveryTimeout
 * delivery timeout}, it throws and the relay keeps the whole batch for a later attempt. Delivery is therefore at
 * least once: a retried batch sends again the records Kafka had already taken, with the same event id, which
 * consumers de-duplicate by. The producer is always idempotent ({@code enable.idempotence=true}, at most five
 * requests in flight per connection), so its own retries neither duplicate nor reorder records, and a subject's
 * events keep their chain order within their partition (counting each event id's first occurrence).
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li><b>Idempotent</b> (the default): records of a batch become visible to consumers as they are written; when a
 *       batch fails halfway, consumers see its first part now and all of it again on the retry.
 *   <li><b>Transactional</b>, with {@link Builder#transactionalId}: each batch is one Kafka transaction, committed
 *       before {@code publish} returns and aborted when it fails, so consumers with
 *       {@code isolation.level=read_committed} see a batch entirely or not at all (duplicates then arise only when
 *       a commit succeeded but the relay could not delete the rows). Give each relay instance its own
 *       transactional id, stable across restarts: a new producer with the id fences the old one.
 * </ul>
 *
 * <p>The publisher holds one {@link KafkaProducer}, created on the first batch; it is not safe for several relays
 * at once (one relay calls it from one thread). {@link #close()} closes the producer; close the relay first.
 */
public final class KafkaOutboxPublisher implements OutboxPublisher, AutoCloseable {

    /** The {@code content-type} header of every record: a CloudEvent in the structured JSON mode. */
    public static final String CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8";

    /** The header carrying the event id (the entry id). */
    public static final String ID_HEADER = "ce_id";

    /** The header carrying the event type. */
    public static final String TYPE_HEADER = "ce_type";

    private static final Logger log = LoggerFactory.getLogger(KafkaOutboxPublisher.class);

    private final Map<String, Object> config;
    private final String topic;
    private final ConsentEventFormat format;
    private final @Nullable String transactionalId;
    private final Duration deliveryTimeout;
    private @Nullable Producer<String, String> producer;
    private boolean closed;

    private KafkaOutboxPublisher(Map<String, Object> config, Builder b, String topic) {
        this.config = config;
        this.topic = topic;
        this.format = b.format;
        this.transactionalId = b.transactionalId;
        this.deliveryTimeout = b.deliveryTimeout;
    }

    /** A builder; {@link Builder#bootstrapServers} and {@link Builder#topic} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The topic this publisher writes to. */
    public String topic() {
        return topic;
    }

    /** Whether each batch is one Kafka transaction ({@link Builder#transactionalId} was given). */
    public boolean transactional() {
        return transactionalId != null;
    }

    /**
     * Sends {@code entries} in order and returns once Kafka acknowledged every one of them (in the transactional
     * mode: once their transaction committed).
     *
     * @throws ConsentException if any record may not have been written; the cause is Kafka's exception. In the
     *     transactional mode the batch's transaction was aborted.
     */
    @Override
    public synchronized void publish(List<AuditEntry> entries) {
        Checks.notNull(entries, "entries");
        if (closed) {
            throw new ConsentException("the Kafka outbox publisher is closed");
        }
        if (entries.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + deliveryTimeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        Producer<String, String> p;
        try {
            p = producer();
        } catch (RuntimeException e) {
            throw new ConsentException("could not start the Kafka producer", e);
        }
        boolean inTransaction = false;
        int index = 0;
        try {
            if (transactionalId != null) {
                p.beginTransaction();
                inTransaction = true;
            }
            List<Future<RecordMetadata>> futures = new ArrayList<>(entries.size());
            for (index = 0; index < entries.size(); index++) {
                Future<RecordMetadata> f = p.send(record(entries.get(index)));
                if (f.isDone()) {
                    f.get(); // failed already (no metadata, say): the rest would fail too
                }
                futures.add(f);
            }
            index = 0;
            if (transactionalId != null) {
                p.commitTransaction(); // flushes; throws if any record failed
                inTransaction = false;
            } else {
                p.flush();
            }
            for (index = 0; index < futures.size(); index++) {
                futures.get(index).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(p, inTransaction, entries, index, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw failed(p, inTransaction, entries, index, cause);
        } catch (TimeoutException | RuntimeException e) {
            throw failed(p, inTransaction, entries, index, e);
        }
    }

    private ProducerRecord<String, String> record(AuditEntry entry) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", CONTENT_TYPE.getBytes(StandardCharsets.UTF_8));
        headers.add(ID_HEADER, entry.id().toString().getBytes(StandardCharsets.UTF_8));
        headers.add(TYPE_HEADER, ConsentEventFormat.type(entry).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, format.aggregateId(entry), format.toJson(entry), headers);
    }

    /**
     * Ends a failed batch: aborts its transaction, and drops a producer that cannot go on (fenced, in a fatal
     * state, or whose transaction could not be aborted), so that the next batch starts a new one.
     */
    private ConsentException failed(
            Producer<String, String> p, boolean inTransaction, List<AuditEntry> entries, int index, Throwable cause) {
        boolean keep;
        if (transactionalId == null) {
            // the idempotent producer recovers from timeouts and lost brokers by itself
            keep = cause instanceof RetriableException
                    || cause instanceof TimeoutException
                    || cause instanceof InterruptedException;
        } else if (inTransaction) {
            try {
                p.abortTransaction();
                keep = true;
            } catch (RuntimeException abortFailed) {
                // fenced, fatal, or the commit's outcome unknown: a new producer's initTransactions settles it
                cause.addSuppressed(abortFailed);
                keep = false;
            }
        } else {
            keep = false;
        }
        if (!keep) {
            discard(p);
        }
        log.debug("Kafka publish to {} failed", topic, cause);
        return new ConsentException(
                "Kafka did not acknowledge entry "
                        + entries.get(Math.min(index, entries.size() - 1)).id() + " (record " + (index + 1)
                        + " of a batch of " + entries.size() + ") on topic " + topic,
                cause);
    }

    private void discard(Producer<String, String> p) {
        if (producer == p) {
            producer = null;
        }
        try {
            p.close(Duration.ZERO);
        } catch (RuntimeException e) {
            log.debug("closing a failed Kafka producer", e);
        }
    }

    private Producer<String, String> producer() {
        Producer<String, String> p = producer;
        if (p == null) {
            p = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
            if (transactionalId != null) {
                try {
                    p.initTransactions();
                } catch (RuntimeException e) {
                    p.close(Duration.ZERO);
                    throw e;
                }
            }
            producer = p;
        }
        return p;
    }

    /** Closes the producer, waiting up to the delivery timeout for records in flight. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        Producer<String, String> p = producer;
        producer = null;
        if (p != null) {
            p.close(deliveryTimeout);
        }
    }

    /** Builds a {@link KafkaOutboxPublisher}. */
    public static final class Builder {

        private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

        private final Map<String, Object> properties = new LinkedHashMap<>();
        private @Nullable String topic;
        private ConsentEventFormat format = ConsentEventFormat.defaults();
        private @Nullable String transactionalId;
        private Duration deliveryTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /** The brokers to connect to first, {@code host:port} separated by commas ({@code bootstrap.servers}). */
        public Builder bootstrapServers(String bootstrapServers) {
            Checks.notBlank(bootstrapServers, "bootstrapServers");
            properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            return this;
        }

        /**
         * Adds Kafka producer settings (security, client id, compression, linger, ...), for example Spring Boot's
         * {@code KafkaProperties#buildProducerProperties()}. The publisher's own settings win: serializers are
         * always Strings; {@code enable.idempotence}, {@code acks} and {@code max.in.flight.requests.per.connection}
         * may only be given with values that keep the guarantees ({@code true}, {@code all} or {@code -1}, at most
         * 5), {@code transactional.id} and {@code delivery.timeout.ms} only through their setters.
         */
        public Builder properties(Map<String, ?> properties) {
            Checks.notNull(properties, "properties");
            properties.forEach((k, v) -> property(k, v));
            return this;
        }

        /** Adds one Kafka producer setting; see {@link #properties}. */
        public Builder property(String key, Object value) {
            Checks.notBlank(key, "properties");
            Checks.notNull(value, "properties");
            String text = String.valueOf(value).trim();
            switch (key) {
                case ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG ->
                    Checks.check(
                            text.equalsIgnoreCase("true"),
                            "properties",
                            "enable.idempotence must be true: the publisher relies on the idempotent producer");
                case ProducerConfig.ACKS_CONFIG ->
                    Checks.check(
                            text.equalsIgnoreCase("all") || text.equals("-1"),
                            "properties",
                            "acks must be all (-1): an entry leaves the outbox only when every in-sync replica has it");
                case ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION ->
                    Checks.check(
                            inFlightAllowed(text),
                            "properties",
                            "max.in.flight.requests.per.connection must be between 1 and 5 to keep the order");
                case ProducerConfig.TRANSACTIONAL_ID_CONFIG ->
                    throw InvalidConsentRequestException.of(
                            "properties", "give transactional.id with transactionalId(...)");
                case ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG ->
                    throw InvalidConsentRequestException.of(
                            "properties", "give delivery.timeout.ms with deliveryTimeout(...)");
                case ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG -> {
                    return this; // always Strings
                }
                case ProducerConfig.BOOTSTRAP_SERVERS_CONFIG ->
                    Checks.check(!text.isEmpty(), "bootstrapServers", "must not be blank");
                default -> {
                    // any other producer setting, passed on as given
                }
            }
            this.properties.put(key, value);
            return this;
        }

        private static boolean inFlightAllowed(String text) {
            try {
                int n = Integer.parseInt(text);
                return n >= 1 && n <= 5;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** The topic to publish to (create it beforehand, with the partitions and replication you need). */
        public Builder topic(String topic) {
            Checks.notBlank(topic, "topic");
            Checks.check(
                    TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals(".."),
                    "topic",
                    "must be 1 to 249 letters, digits, dots, hyphens or underscores");
            this.topic = topic;
            return this;
        }

        /** How entries become events; default {@link ConsentEventFormat#defaults()} (raw subject ids). */
        public Builder eventFormat(ConsentEventFormat format) {
            this.format = Checks.notNull(format, "eventFormat");
            return this;
        }

        /**
         * Publishes each batch in one Kafka transaction with this {@code transactional.id}, for consumers with
         * {@code isolation.level=read_committed}; unique per relay instance and stable across its restarts. Default
         * none: the idempotent producer without transactions.
         */
        public Builder transactionalId(String transactionalId) {
            Checks.notBlank(transactionalId, "transactionalId");
            this.transactionalId = transactionalId;
            return this;
        }

        /**
         * How long a batch may wait for Kafka's acknowledgements before {@code publish} fails (so a relay does not
         * hang while the brokers are unreachable): the producer's {@code delivery.timeout.ms}, and the bound of
         * {@code max.block.ms} and {@code request.timeout.ms}; at least 1 s, default 30 s.
         */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            Checks.notNull(deliveryTimeout, "deliveryTimeout");
            Checks.check(
                    deliveryTimeout.compareTo(Duration.ofSeconds(1)) >= 0
                            && deliveryTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) <= 0,
                    "deliveryTimeout",
                    "must be between 1 second and 24 days");
            this.deliveryTimeout = deliveryTimeout;
            return this;
        }

        /**
         * Builds the publisher; its producer connects on the first batch.
         *
         * @throws InvalidConsentRequestException naming the missing or invalid property ({@code bootstrapServers},
         *     {@code topic}, {@code properties})
         */
        public KafkaOutboxPublisher build() {
            Checks.check(
                    properties.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
                    "bootstrapServers",
                    "bootstrap servers are required");
            String topic = Checks.notNull(this.topic, "topic");
            Map<String, Object> config = new LinkedHashMap<>(properties);
            long delivery = deliveryTimeout.toMillis();
            long linger = longSetting(ProducerConfig.LINGER_MS_CONFIG, 5);
            long request = longSetting(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
            long maxBlock = longSetting(ProducerConfig.MAX_BLOCK_MS_CONFIG, delivery);
            Checks.check(linger < delivery / 2, "properties", "linger.ms must be below half the delivery timeout");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(request, delivery - linger));
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(maxBlock, delivery));
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            if (transactionalId != null) {
                config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
                long txTimeout = longSetting(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
                config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.max(txTimeout, 2 * delivery));
            }
            return new KafkaOutboxPublisher(Map.copyOf(config), this, topic);
        }

        private long longSetting(String key, long otherwise) {
            Object v = properties.get(key);
            if (v == null) {
                return otherwise;
            }
            try {
                return Long.parseLong(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw InvalidConsentRequestException.of(
                        "properties", key.toLowerCase(Locale.ROOT) + " must be a number");
            }
        }
    }
}
