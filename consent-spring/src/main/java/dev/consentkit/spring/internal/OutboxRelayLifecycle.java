package dev.consentkit.spring.internal;

import dev.consentkit.jdbc.OutboxRelay;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * Internal API; may change without notice. Starts the outbox relay's polling thread when the context starts and
 * closes it when the context stops (waiting for a running pass).
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {

    private final OutboxRelay relay;
    private final Duration interval;
    private volatile boolean running;

    public OutboxRelayLifecycle(OutboxRelay relay, Duration interval) {
        this.relay = relay;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (!running) {
            relay.start(interval);
            running = true;
        }
    }

    @Override
    public synchronized void stop() {
        if (running) {
            relay.close();
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
