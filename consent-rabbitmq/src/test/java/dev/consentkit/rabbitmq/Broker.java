package dev.consentkit.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.consentkit.testsupport.RequiresRabbitMq;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The real broker named by {@value RequiresRabbitMq#URI_VARIABLE}, for one test: an administration connection
 * straight to it, names of its own for the exchange and queues (deleted again by {@link #close()}), and consumers
 * that record what they receive.
 */
final class Broker implements AutoCloseable {

    final ConnectionFactory factory;
    final String exchange;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Connection admin;
    private final Channel channel;
    private final List<String> queues = new ArrayList<>();
    private final List<Channel> consumerChannels = new ArrayList<>();

    Broker() throws Exception {
        factory = new ConnectionFactory();
        factory.setUri(Objects.requireNonNull(System.getenv(RequiresRabbitMq.URI_VARIABLE)));
        factory.setAutomaticRecoveryEnabled(false);
        try {
            admin = factory.newConnection("consentkit-test-admin");
        } catch (IOException | TimeoutException e) {
            // the URI is set, so the tests are meant to run: an unreachable broker fails them
            throw new IllegalStateException(
                    "RabbitMQ at " + factory.getHost() + ":" + factory.getPort()
                            + " is unreachable (start it with rabbitmq-server -detached): " + e,
                    e);
        }
        channel = admin.createChannel();
        exchange = "ck-test-" + run;
        RabbitOutboxPublisher.declareExchange(channel, exchange);
    }

    /** A queue name of this test's own, deleted by {@link #close()}. */
    String queue(String name) {
        String q = "ck-test-" + run + "-" + name;
        queues.add(q);
        return q;
    }

    /** Declares an ordered (single-active-consumer) queue bound with {@code bindingKey}; returns its name. */
    String orderedQueue(String name, String bindingKey) throws IOException {
        return RabbitOutboxPublisher.declareOrderedQueue(channel, exchange, queue(name), bindingKey);
    }

    void bind(String queue, String bindingKey) throws IOException {
        channel.queueBind(queue, exchange, bindingKey);
    }

    /** Starts a consumer on {@code queue} on a channel of its own, acknowledging each message once recorded. */
    Consumer consume(String queue) throws IOException {
        Channel ch = admin.createChannel();
        consumerChannels.add(ch);
        ch.basicQos(100);
        Consumer consumer = new Consumer(ch);
        ch.basicConsume(queue, false, consumer);
        return consumer;
    }

    /** A factory for the broker through {@code port} on the loopback interface (a proxy in front of it). */
    ConnectionFactory through(int port) {
        ConnectionFactory f = factory.clone();
        f.setHost("127.0.0.1");
        f.setPort(port);
        f.setConnectionTimeout(2000);
        f.setHandshakeTimeout(2000);
        return f;
    }

    @Override
    public void close() throws IOException {
        for (Channel ch : consumerChannels) {
            if (ch.isOpen()) {
                ch.abort();
            }
        }
        for (String q : queues) {
            channel.queueDelete(q);
        }
        channel.exchangeDelete(exchange);
        admin.close();
    }

    /** Polls {@code condition} every 20 ms for up to {@code within}; false if it never held. */
    static boolean await(Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** One delivered message as the consumer saw it. */
    record Message(
            String messageId,
            String type,
            String contentType,
            Integer deliveryMode,
            java.util.Date timestamp,
            String routingKey,
            String body) {}

    /** Records every message it receives, in delivery order. */
    static final class Consumer extends DefaultConsumer {
        private final List<Message> received = new ArrayList<>();

        Consumer(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                throws IOException {
            synchronized (this) {
                received.add(new Message(
                        props.getMessageId(),
                        props.getType(),
                        props.getContentType(),
                        props.getDeliveryMode(),
                        props.getTimestamp(),
                        envelope.getRoutingKey(),
                        new String(body, StandardCharsets.UTF_8)));
            }
            getChannel().basicAck(envelope.getDeliveryTag(), false);
        }

        synchronized List<Message> received() {
            return List.copyOf(received);
        }

        synchronized long distinctIds() {
            return received.stream().map(Message::messageId).distinct().count();
        }

        void assertNothingReceived() {
            assertThat(received()).isEmpty();
        }
    }
}
