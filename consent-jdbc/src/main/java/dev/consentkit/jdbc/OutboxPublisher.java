package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;
import java.util.List;

/**
 * Where an {@link OutboxRelay} hands committed entries: a message broker, a webhook endpoint, any engine that
 * acknowledges what it accepted. Implemented by {@code consent-kafka}, {@code consent-rabbitmq} and
 * {@code consent-webhooks}; a {@link dev.consentkit.core.spi.ConsentListener} is the in-process alternative.
 *
 * <p>The contract is at least once, in order: {@link #publish} receives a batch in outbox order (chain order per
 * subject) and returns only once the engine has acknowledged every entry of it. If it throws, the relay keeps the
 * whole batch and offers it again after a back-off, so entries the engine had already accepted are sent again,
 * always with the same entry id — downstream consumers de-duplicate by that id (the event id).
 */
@FunctionalInterface
public interface OutboxPublisher {

    /**
     * Publishes {@code entries} in the given order and returns when the engine acknowledged all of them.
     *
     * @throws Exception if any entry may not have been accepted; nothing of the batch is then taken off the outbox
     */
    void publish(List<AuditEntry> entries) throws Exception;

    /**
     * For change-data capture (Debezium's Outbox Event Router): the engine read each row from the database's log
     * when it committed, so the relay has nothing to send and only takes the rows off the outbox, keeping the table
     * small. Debezium does not need the rows to stay: it reads the log, not the table.
     */
    static OutboxPublisher changeDataCaptureCleanup() {
        return entries -> {};
    }
}
