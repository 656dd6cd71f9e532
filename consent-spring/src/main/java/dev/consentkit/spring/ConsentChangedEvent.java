package dev.consentkit.spring;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentRecord;
import java.util.Optional;
import org.springframework.context.ApplicationEvent;

/**
 * Published to the application context for every committed audit entry: a consent record, a preference or an
 * erasure. Written inside a Spring-managed transaction, it is published only after that transaction commits; a
 * rolled-back write publishes nothing. Listen with {@code @EventListener}.
 *
 * <p>Delivery is in-process and at most once: an application that stops between the commit and the event loses
 * it. Downstream systems that need every change use the JDBC module's {@code OutboxRelay}.
 */
public class ConsentChangedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final transient AuditEntry entry;

    /** An event for {@code entry}, published by {@code source} (the ConsentManager). */
    public ConsentChangedEvent(Object source, AuditEntry entry) {
        super(source);
        this.entry = entry;
    }

    /** The committed entry. */
    public AuditEntry entry() {
        return entry;
    }

    /** The entry as a consent record, or empty for a preference or erasure entry. */
    public Optional<ConsentRecord> consentRecord() {
        return entry instanceof ConsentRecord r ? Optional.of(r) : Optional.empty();
    }

    /** Redacted like the entries themselves: never prints the subject or evidence. */
    @Override
    public String toString() {
        return "ConsentChangedEvent[" + entry.getClass().getSimpleName() + " " + entry.id() + "]";
    }
}
