package dev.consentkit.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * A webhook receiver on a loopback port for tests: records every request as it arrives, and answers what the
 * test's responder says: a status, or {@link #HANG} (no answer until the endpoint is closed). Can be stopped and
 * started again on the same port.
 */
final class TestEndpoint implements AutoCloseable {

    /** A responder's answer for "never answer". */
    static final int HANG = -1;

    /** One received request. */
    record Request(String id, String timestamp, String signature, String contentType, String body, int answer) {
        boolean accepted() {
            return answer >= 200 && answer < 300;
        }
    }

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-endpoint");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final int port;
    private volatile ToIntFunction<Request> responder = r -> 200;
    private HttpServer server;

    private TestEndpoint(HttpServer server) {
        this.server = server;
        this.port = server.getAddress().getPort();
    }

    static TestEndpoint start() throws IOException {
        TestEndpoint endpoint = new TestEndpoint(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        endpoint.serve();
        return endpoint;
    }

    private void serve() {
        server.createContext("/hooks", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        var h = exchange.getRequestHeaders();
        Request probe = new Request(
                String.valueOf(h.getFirst("webhook-id")),
                String.valueOf(h.getFirst("webhook-timestamp")),
                String.valueOf(h.getFirst("webhook-signature")),
                String.valueOf(h.getFirst("content-type")),
                body,
                0);
        int answer = responder.applyAsInt(probe);
        synchronized (requests) {
            requests.add(new Request(
                    probe.id(), probe.timestamp(), probe.signature(), probe.contentType(), probe.body(), answer));
        }
        if (answer == HANG) {
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        // a body a receiver might send back, which the delivery log must never hold
        byte[] reply = ("{\"error\":\"subject alice@example.com refused\"}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(answer, reply.length);
        exchange.getResponseBody().write(reply);
        exchange.close();
    }

    /** Answers each request as {@code responder} says (a status, or {@link #HANG}). */
    void respond(ToIntFunction<Request> responder) {
        this.responder = responder;
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hooks";
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The ids of the requests answered 2xx, in arrival order. */
    List<String> acceptedIds() {
        return requests().stream().filter(Request::accepted).map(Request::id).toList();
    }

    /** Closes the port: connections are refused until {@link #restart()}. */
    void stop() {
        server.stop(0);
    }

    /** Listens on the same port again. */
    void restart() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        serve();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    static List<String> ids(List<Request> requests) {
        List<String> ids = new ArrayList<>();
        requests.forEach(r -> ids.add(r.id()));
        return ids;
    }
}
