package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;

/**
 * What the JDBC store writes into the outbox row's event columns ({@code event_type}, {@code aggregate_type},
 * {@code aggregate_id}, {@code payload}) in the write's own transaction, so that a change-data-capture engine
 * (Debezium's Outbox Event Router) can route every committed change with no code of the application's. Set with
 * {@link JdbcConsentStore.Builder#outboxEvents}; without one the columns stay empty and relays format events when
 * they publish. {@code consent-events}' {@code ConsentEventFormat} writes CloudEvents 1.0.
 *
 * <p>Called while the subjects' locks are held: keep it fast and free of I/O. Results must fit the columns:
 * event type and aggregate type at most 64 characters, aggregate id at most 255.
 */
public interface OutboxEventFormat {

    /** The event's type, e.g. {@code dev.consentkit.consent.granted}. */
    String eventType(AuditEntry entry);

    /** What Debezium's router names the topic after (its {@code aggregatetype}), e.g. {@code consentkit}. */
    String aggregateType(AuditEntry entry);

    /** The message key downstream: the subject id or its keyed pseudonym, so that order per subject holds. */
    String aggregateId(AuditEntry entry);

    /** The serialised event. */
    String payload(AuditEntry entry);
}
