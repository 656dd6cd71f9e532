package dev.consentkit.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of a server (a database, a message broker) that cuts connections: while armed, each chunk a client sends (one
 * statement, one commit, one round trip) is, with probability {@code cutChance}, either dropped and the connection
 * cut (the server never sees it), or passed on and the connection cut before the answer comes back (the server
 * runs it: a commit commits, unheard). The first {@code handshakeChunks} chunks of each connection are never cut,
 * so that connections can be opened. Decisions come from one seeded random, printed by the test.
 */
public final class CuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final double cutChance;
    private final int handshakeChunks;
    private final SplittableRandom random;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger cutsBefore = new AtomicInteger();
    private final AtomicInteger cutsAfter = new AtomicInteger();
    private volatile boolean armed;
    private volatile boolean blackout;
    private volatile boolean closed;

    /**
     * Listens on a free loopback port and forwards to {@code targetHost:targetPort}; not armed, so nothing is cut
     * until {@link #arm} or {@link #blackout}.
     */
    public CuttingProxy(String targetHost, int targetPort, double cutChance, int handshakeChunks, long seed)
            throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.cutChance = cutChance;
        this.handshakeChunks = handshakeChunks;
        this.random = new SplittableRandom(seed);
        Thread acceptor = new Thread(this::accept, "cutting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The loopback port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Starts or stops cutting at random, with the chance given at construction. */
    public void arm(boolean on) {
        armed = on;
    }

    /**
     * While on, every chunk of every connection, handshakes included, is cut (half of them after reaching the
     * server): the database is unreachable.
     */
    public void blackout(boolean on) {
        blackout = on;
    }

    /** Connections cut with the client's chunk dropped. */
    public int cutsBefore() {
        return cutsBefore.get();
    }

    /** Connections cut after the client's chunk was passed on. */
    public int cutsAfter() {
        return cutsAfter.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                start(() -> clientToServer(client, server));
                start(() -> serverToClient(server, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void clientToServer(Socket client, Socket server) {
        byte[] buffer = new byte[16384];
        int chunks = 0;
        try (InputStream in = client.getInputStream();
                OutputStream out = server.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                chunks++;
                int decision = decide(chunks);
                if (decision == 1) { // the server never sees it
                    cutsBefore.incrementAndGet();
                    cut(client, server);
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
                if (decision == 2) { // the server runs it; its answer is lost
                    cutsAfter.incrementAndGet();
                    server.shutdownOutput();
                    close(client);
                    return;
                }
            }
        } catch (IOException e) {
            // one side went away: the other follows
        } finally {
            cut(client, server);
        }
    }

    private void serverToClient(Socket server, Socket client) {
        byte[] buffer = new byte[16384];
        try (InputStream in = server.getInputStream();
                OutputStream out = client.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: the other follows
        } finally {
            cut(client, server);
        }
    }

    /** 0: pass on; 1: cut before; 2: cut after. */
    private synchronized int decide(int chunk) {
        if (blackout) {
            return random.nextBoolean() ? 1 : 2;
        }
        if (!armed || chunk <= handshakeChunks) {
            return 0;
        }
        double r = random.nextDouble();
        if (r >= cutChance) {
            return 0;
        }
        return r < cutChance / 2 ? 1 : 2;
    }

    private void cut(Socket client, Socket server) {
        close(client);
        close(server);
    }

    private void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
        open.remove(s);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : open) {
            close(s);
        }
    }
}
