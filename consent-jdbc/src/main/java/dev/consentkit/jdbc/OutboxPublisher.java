package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.internal.Checks;
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

    /**
     * One publisher for several engines, so that one relay drains the outbox to all of them: every batch goes to
     * every publisher in the given order, also when an earlier one failed, and the fan-out throws the first failure
     * (the others suppressed) once all were tried. The relay then offers the batch again to all of them: an engine
     * that had accepted it receives it again, with the same event ids (at least once), unless it skips what it
     * already took, as {@code WebhookPublisher} does.
     *
     * @throws dev.consentkit.core.InvalidConsentRequestException naming {@code publishers} if there are none
     */
    static OutboxPublisher toAll(List<? extends OutboxPublisher> publishers) {
        Checks.notNull(publishers, "publishers");
        Checks.check(!publishers.isEmpty(), "publishers", "must not be empty");
        publishers.forEach(p -> Checks.notNull(p, "publishers"));
        List<OutboxPublisher> all = List.copyOf(publishers);
        return entries -> {
            Exception first = null;
            for (OutboxPublisher p : all) {
                try {
                    p.publish(entries);
                } catch (Exception e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        };
    }
}
