package dev.consentkit.spring.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.DecisionObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters: the timer {@code consentkit.checks} (tags {@code purpose}, {@code outcome} = allowed or
 * denied) for every {@code check} and {@code require} of the manager (direct calls and {@code @RequiresConsent}), and the counter {@code consentkit.records} (tags
 * {@code purpose}, {@code status}) for every committed consent record. Internal API; may change without notice.
 */
public final class ConsentMeters implements ConsentListener, DecisionObserver {

    private final MeterRegistry registry;

    public ConsentMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onCommitted(AuditEntry entry) {
        if (entry instanceof ConsentRecord r) {
            Counter.builder("consentkit.records")
                    .description("Consent records committed")
                    .tag("purpose", r.purpose().value())
                    .tag("status", r.status().name())
                    .register(registry)
                    .increment();
        }
    }

    @Override
    public void decided(ConsentDecision decision, long nanos) {
        Timer.builder("consentkit.checks")
                .description("Consent checks")
                .tag("purpose", decision.purpose().value())
                .tag("outcome", decision.allowed() ? "allowed" : "denied")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
