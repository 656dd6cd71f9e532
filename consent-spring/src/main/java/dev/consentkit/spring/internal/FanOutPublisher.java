package dev.consentkit.spring.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.jdbc.OutboxPublisher;
import java.util.List;

/**
 * Internal API; may change without notice. Publishes each batch to every engine in turn, so that one relay drains
 * the outbox to all of them: the batch is acknowledged only when all of them acknowledged it, and a failing engine
 * makes the relay offer the batch again to all (at least once: the others may receive an event twice, with the
 * same id).
 */
public final class FanOutPublisher implements OutboxPublisher {

    private final List<OutboxPublisher> engines;

    public FanOutPublisher(List<OutboxPublisher> engines) {
        this.engines = List.copyOf(engines);
    }

    @Override
    public void publish(List<AuditEntry> entries) throws Exception {
        for (OutboxPublisher engine : engines) {
            engine.publish(entries);
        }
    }
}
