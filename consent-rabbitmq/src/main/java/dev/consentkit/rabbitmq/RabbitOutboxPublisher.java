package dev.consentkit.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.Return;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.events.ConsentEventFormat;
import dev.consentkit.jdbc.OutboxPublisher;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the JDBC store's outbox to a RabbitMQ exchange, one CloudEvents 1.0 message (structured JSON, see
 * {@link ConsentEventFormat}) per audit entry, with publisher confirms: give it to an
 * {@link dev.consentkit.jdbc.OutboxRelay}, which deletes outbox rows only once this publisher returned.
 *
 * <pre>{@code
 * RabbitOutboxPublisher rabbit = RabbitOutboxPublisher.builder()
 *         .uri("amqp://app:secret@rabbit.internal:5672/%2f")
 *         .exchange("consentkit")                 // a durable topic exchange you declared
 *         .build();
 * OutboxRelay relay = OutboxRelay.builder(store).publisher(rabbit).name("rabbitmq").build();
 * relay.start(Duration.ofSeconds(1));
 * ...
 * relay.close();
 * rabbit.close();
 * }</pre>
 *
 * <p><b>Messages.</b> The body is {@link ConsentEventFormat#toJson} of the entry; the properties are
 * {@code messageId} = the entry id (the key consumers de-duplicate by: it is the same on every redelivery),
 * {@code type} = the event type ({@link ConsentEventFormat#type}), {@code contentType}
 * {@value #CONTENT_TYPE}, {@code contentEncoding} {@code utf-8}, {@code appId} {@value #APP_ID}, persistent
 * delivery mode and {@code timestamp} = when the entry was recorded (in seconds, as AMQP has it). The subject is
 * in the body only (raw id or keyed pseudonym, as the format says), never in a header. The routing key is, by
 * default, the event type, so that consumers bind per type on a topic exchange ({@code dev.consentkit.consent.*},
 * {@code dev.consentkit.#}); {@link Builder#routingKey} changes it.
 *
 * <p><b>At least once.</b> {@link #publish} puts the channel in confirm mode, publishes the whole batch and waits
 * for the broker's confirms ({@link Builder#confirmTimeout}, 30 s by default). Messages are {@code mandatory} by
 * default: one the exchange routes to no queue comes back (basic.return) and fails the batch, so an event is
 * never confirmed into nowhere; turn it off ({@link Builder#mandatory}) only with an alternate exchange or when
 * dropping unrouted events is intended. On a nack, a return, a timeout, a lost connection or any other failure
 * {@code publish} throws {@link IOException}: the relay keeps the whole batch in the outbox and offers it again
 * after its back-off, so messages the broker had already taken are published again, with the same
 * {@code messageId}.
 *
 * <p><b>Order per subject.</b> The relay hands entries in outbox order (chain order per subject), and this
 * publisher sends them in that order on one channel, which RabbitMQ keeps on every queue they reach. A queue keeps
 * it for its consumers only with one consumer at a time: declare it with {@code x-single-active-consumer} (see
 * {@link #declareOrderedQueue}), so that standby consumers take over in order when the active one goes. A retried
 * batch may put an earlier entry after a later one of the same subject (the redelivered copy); consumers that drop
 * ids they have seen also drop those, and then see each subject's chain in increasing sequence. Order holds within
 * one queue: entries that different bindings route to different queues are ordered only within each queue.
 * Relays on several instances, each with its own publisher, keep it too: a subject's rows are taken by one relay
 * at a time and deleted only after the broker confirmed them, so its next entries are published after those are
 * on the queues.
 *
 * <p><b>Connections.</b> The publisher opens its connection and channel on the first {@code publish}, from a
 * copy of the factory with automatic recovery turned off: after any failure it closes both, and the next
 * {@code publish} opens new ones, so the relay's retry after an outage goes out on a fresh connection. Once the
 * broker said it blocks the connection (memory or disk alarm), {@code publish} fails at once instead of waiting;
 * a batch already being written when the alarm starts waits for it to clear, or fails after the confirm timeout.
 * {@link #close()} closes channel and connection. The publisher is thread-safe; {@code publish} calls run one at a
 * time.
 */
public final class RabbitOutboxPublisher implements OutboxPublisher, AutoCloseable {

    /** The {@code contentType} of every message: the CloudEvents structured JSON format. */
    public static final String CONTENT_TYPE = "application/cloudevents+json";

    /** The {@code appId} of every message. */
    public static final String APP_ID = "consentkit";

    private static final Logger log = LoggerFactory.getLogger(RabbitOutboxPublisher.class);

    private final ConnectionFactory factory;
    private final String exchange;
    private final ConsentEventFormat format;
    private final Function<AuditEntry, String> routingKey;
    private final Duration confirmTimeout;
    private final boolean mandatory;
    private final String connectionName;
    private final Queue<Return> returned = new ConcurrentLinkedQueue<>();
    private @Nullable Connection connection;
    private @Nullable Channel channel;
    private volatile @Nullable String blockedReason;
    private boolean closed;

    private RabbitOutboxPublisher(Builder b, ConnectionFactory factory) {
        this.factory = factory;
        this.exchange = b.exchange == null ? "" : b.exchange;
        this.format = b.format;
        this.routingKey = b.routingKey;
        this.confirmTimeout = b.confirmTimeout;
        this.mandatory = b.mandatory;
        this.connectionName = b.connectionName;
    }

    /** A builder; {@link Builder#exchange} and a {@link Builder#connectionFactory} or {@link Builder#uri} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Publishes {@code entries} in order on one confirm-mode channel and returns once the broker confirmed every
     * one of them.
     *
     * @throws IOException if the broker could not be reached, nacked a message, returned an unroutable one (when
     *     {@link Builder#mandatory}), did not confirm them all within {@link Builder#confirmTimeout}, or the
     *     connection was lost; the channel and connection are then closed and the next call opens new ones
     */
    @Override
    public synchronized void publish(List<AuditEntry> entries) throws IOException {
        if (closed) {
            throw new IOException("RabbitMQ publisher is closed");
        }
        if (entries.isEmpty()) {
            return;
        }
        try {
            Channel ch = channel();
            returned.clear();
            for (AuditEntry entry : entries) {
                String blocked = blockedReason;
                if (blocked != null) {
                    throw new BlockedException(blocked);
                }
                ch.basicPublish(exchange, routingKey(entry), mandatory, properties(entry), body(entry));
            }
            ch.waitForConfirmsOrDie(confirmTimeout.toMillis());
            Return r = returned.peek();
            if (r != null) {
                // basic.return comes before the confirm of the same message, so every return is in by now
                int count = returned.size();
                returned.clear();
                throw new IOException(count + " of " + entries.size() + " messages were unroutable on exchange '"
                        + exchange + "' (" + r.getReplyCode() + " " + r.getReplyText() + "; first message id "
                        + r.getProperties().getMessageId() + ")");
            }
        } catch (BlockedException e) {
            // keep the connection, which hears when the broker unblocks it; a new one would be blocked anew
            closeChannelQuietly();
            returned.clear();
            throw e;
        } catch (IOException | RuntimeException e) {
            reset();
            throw e instanceof IOException io ? io : new IOException("publishing to RabbitMQ failed: " + e, e);
        } catch (java.util.concurrent.TimeoutException e) {
            reset();
            throw new IOException(
                    "RabbitMQ did not confirm " + entries.size() + " messages within " + confirmTimeout, e);
        } catch (InterruptedException e) {
            reset();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for RabbitMQ's confirms", e);
        }
    }

    private String routingKey(AuditEntry entry) throws IOException {
        String key = routingKey.apply(entry);
        if (key == null || key.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IOException("the routing key function returned null or more than 255 bytes for entry "
                    + entry.id() + "; fix the function given to RabbitOutboxPublisher.Builder#routingKey");
        }
        return key;
    }

    private static AMQP.BasicProperties properties(AuditEntry entry) {
        return MessageProperties.PERSISTENT_BASIC
                .builder()
                .messageId(entry.id().toString())
                .type(ConsentEventFormat.type(entry))
                .contentType(CONTENT_TYPE)
                .contentEncoding("utf-8")
                .appId(APP_ID)
                .timestamp(Date.from(entry.recordedAt()))
                .build();
    }

    private byte[] body(AuditEntry entry) {
        return format.toJson(entry).getBytes(StandardCharsets.UTF_8);
    }

    /** The open confirm-mode channel, opening connection and channel first if the last ones failed. */
    private Channel channel() throws IOException, java.util.concurrent.TimeoutException {
        Channel ch = channel;
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        Connection c = connection;
        if (c == null || !c.isOpen()) {
            closeQuietly();
            blockedReason = null;
            try {
                c = factory.newConnection(connectionName);
            } catch (IOException e) {
                throw new IOException(
                        "could not connect to RabbitMQ at " + factory.getHost() + ":" + factory.getPort(), e);
            }
            c.addBlockedListener(reason -> blockedReason = reason, () -> blockedReason = null);
            connection = c;
            log.debug("RabbitMQ publisher {}: connected", connectionName);
        }
        ch = c.createChannel();
        ch.confirmSelect();
        ch.addReturnListener(returned::add);
        channel = ch;
        return ch;
    }

    /** After a failure: close channel and connection, so the next publish starts on new ones. */
    private void reset() {
        closeQuietly();
        returned.clear();
    }

    private void closeChannelQuietly() {
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            try {
                ch.abort();
            } catch (IOException | RuntimeException e) {
                log.debug("RabbitMQ publisher {}: closing the channel failed", connectionName, e);
            }
        }
    }

    private void closeQuietly() {
        Connection c = connection;
        channel = null;
        connection = null;
        if (c != null) {
            try {
                c.abort(1000); // closes its channels too; never throws
            } catch (RuntimeException e) {
                log.debug("RabbitMQ publisher {}: closing the connection failed", connectionName, e);
            }
        }
    }

    /** Closes the channel and the connection; a later {@link #publish} throws. */
    @Override
    public synchronized void close() {
        closed = true;
        Channel ch = channel;
        Connection c = connection;
        channel = null;
        connection = null;
        try {
            if (ch != null && ch.isOpen()) {
                ch.close();
            }
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            log.debug("RabbitMQ publisher {}: closing the channel failed", connectionName, e);
        }
        if (c != null && c.isOpen()) {
            try {
                c.close(5000);
            } catch (IOException | RuntimeException e) {
                c.abort(1000);
            }
        }
    }

    /**
     * Declares a durable topic exchange named {@code exchange} (nothing happens if it exists with the same
     * settings), the kind this publisher's default routing keys (event types) are meant for.
     */
    public static void declareExchange(Channel channel, String exchange) throws IOException {
        Checks.notNull(channel, "channel");
        Checks.notBlank(exchange, "exchange");
        channel.exchangeDeclare(exchange, "topic", true);
    }

    /**
     * Declares a durable queue with {@code x-single-active-consumer} (only one of its consumers receives at a time,
     * the others stand by, so the queue's order is the order consumers process) and binds it to {@code exchange}
     * with {@code bindingKey} (on a topic exchange, for example {@code dev.consentkit.#} for every event or
     * {@code dev.consentkit.consent.withdrawn} for one type). Nothing happens if both exist already with the same
     * settings. Returns the queue's name.
     */
    public static String declareOrderedQueue(Channel channel, String exchange, String queue, String bindingKey)
            throws IOException {
        Checks.notNull(channel, "channel");
        Checks.notBlank(exchange, "exchange");
        Checks.notBlank(queue, "queue");
        Checks.notNull(bindingKey, "bindingKey");
        channel.queueDeclare(queue, true, false, false, Map.of("x-single-active-consumer", true));
        channel.queueBind(queue, exchange, bindingKey);
        return queue;
    }

    /** The broker blocks publishing on the connection (a memory or disk alarm). */
    private static final class BlockedException extends IOException {
        private static final long serialVersionUID = 1L;

        BlockedException(String reason) {
            super("the broker blocks publishing on this connection until its alarm clears: " + reason);
        }
    }

    /** Builds a {@link RabbitOutboxPublisher}. */
    public static final class Builder {
        private @Nullable ConnectionFactory factory;
        private @Nullable String exchange;
        private ConsentEventFormat format = ConsentEventFormat.defaults();
        private Function<AuditEntry, String> routingKey = ConsentEventFormat::type;
        private Duration confirmTimeout = Duration.ofSeconds(30);
        private boolean mandatory = true;
        private String connectionName = "consentkit-outbox";

        private Builder() {}

        /**
         * The broker's connection settings (host, credentials, virtual host, TLS, timeouts, heartbeat). The
         * publisher uses a copy with automatic recovery turned off, since it reconnects itself; later changes to
         * {@code factory} do not reach it. Give this or {@link #uri}.
         */
        public Builder connectionFactory(ConnectionFactory factory) {
            Checks.notNull(factory, "connectionFactory");
            ConnectionFactory copy = factory.clone();
            copy.setAutomaticRecoveryEnabled(false);
            this.factory = copy;
            return this;
        }

        /**
         * The broker as an AMQP URI, {@code amqp://user:password@host:5672/vhost} ({@code %2f} for the default
         * virtual host {@code /}) or {@code amqps://…} for TLS with the JVM's trust store; the rest of the settings
         * are the client's defaults. Give this or {@link #connectionFactory}.
         */
        public Builder uri(String uri) {
            Checks.notBlank(uri, "uri");
            ConnectionFactory f = new ConnectionFactory();
            try {
                f.setUri(uri);
            } catch (java.net.URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
                throw InvalidConsentRequestException.of(
                        "uri", "must be an amqp:// or amqps:// URI with host, optional credentials and virtual host");
            }
            f.setAutomaticRecoveryEnabled(false);
            this.factory = f;
            return this;
        }

        /** The broker as an AMQP URI; see {@link #uri(String)}. */
        public Builder uri(URI uri) {
            return uri(Checks.notNull(uri, "uri").toString());
        }

        /**
         * The exchange to publish to, which must exist (see {@link #declareExchange}); required. Publishing to a
         * missing exchange fails the batch.
         */
        public Builder exchange(String exchange) {
            Checks.notBlank(exchange, "exchange");
            Checks.check(
                    exchange.getBytes(StandardCharsets.UTF_8).length <= 255, "exchange", "must be at most 255 bytes");
            this.exchange = exchange;
            return this;
        }

        /**
         * How entries become CloudEvents; default {@link ConsentEventFormat#defaults()} (raw subject ids). Give a
         * format with {@link ConsentEventFormat.Builder#subjectPseudonymKey} to keep subject ids off the broker.
         */
        public Builder eventFormat(ConsentEventFormat format) {
            this.format = Checks.notNull(format, "eventFormat");
            return this;
        }

        /**
         * The routing key of an entry's message; default {@link ConsentEventFormat#type} (the event type). It must
         * return at most 255 bytes, and should not return personal data (routing keys show in the broker's
         * management tools); a batch with an entry it fails for fails as a whole.
         */
        public Builder routingKey(Function<AuditEntry, String> routingKey) {
            this.routingKey = Checks.notNull(routingKey, "routingKey");
            return this;
        }

        /**
         * How long {@link #publish} waits for the broker to confirm a batch before it fails it; default 30 s, at
         * least 1 ms.
         */
        public Builder confirmTimeout(Duration confirmTimeout) {
            Checks.notNull(confirmTimeout, "confirmTimeout");
            Checks.check(confirmTimeout.toMillis() >= 1, "confirmTimeout", "must be at least 1 ms");
            this.confirmTimeout = confirmTimeout;
            return this;
        }

        /**
         * Whether messages are published {@code mandatory}; default {@code true}: a message the exchange routes to
         * no queue is returned and fails its batch, which stays in the outbox until a queue is bound. With
         * {@code false} the broker confirms and drops it (or hands it to the exchange's alternate exchange).
         */
        public Builder mandatory(boolean mandatory) {
            this.mandatory = mandatory;
            return this;
        }

        /** The client-provided connection name the broker's management tools show; default {@code consentkit-outbox}. */
        public Builder connectionName(String connectionName) {
            this.connectionName = Checks.notBlank(connectionName, "connectionName");
            return this;
        }

        /**
         * Builds the publisher; it connects on the first {@link #publish}.
         *
         * @throws InvalidConsentRequestException naming the missing property
         */
        public RabbitOutboxPublisher build() {
            ConnectionFactory f = factory;
            if (f == null) {
                throw InvalidConsentRequestException.of(
                        "connectionFactory", "a connectionFactory or a uri is required");
            }
            Checks.check(exchange != null, "exchange", "is required");
            return new RabbitOutboxPublisher(this, f);
        }
    }
}
