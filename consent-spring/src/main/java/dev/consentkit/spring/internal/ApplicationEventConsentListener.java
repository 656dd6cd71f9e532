package dev.consentkit.spring.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.spring.ConsentChangedEvent;
import org.springframework.context.ApplicationEventPublisher;

/** Publishes each committed entry as a {@link ConsentChangedEvent}. Internal API; may change without notice. */
public final class ApplicationEventConsentListener implements ConsentListener {

    private final ApplicationEventPublisher publisher;

    public ApplicationEventConsentListener(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void onCommitted(AuditEntry entry) {
        publisher.publishEvent(new ConsentChangedEvent(this, entry));
    }
}
