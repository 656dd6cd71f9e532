package dev.consentkit.spring.internal;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.SubjectId;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP when the store answers a read of one (absent) subject's state, DOWN with the store's failure otherwise.
 * Internal API; may change without notice.
 */
public final class ConsentStoreHealthIndicator implements HealthIndicator {

    private static final SubjectId PROBE = SubjectId.of("consentkit-health-probe");

    private final ConsentManager consents;

    public ConsentStoreHealthIndicator(ConsentManager consents) {
        this.consents = consents;
    }

    @Override
    public Health health() {
        String store = consents.store().getClass().getSimpleName();
        long start = System.nanoTime();
        try {
            consents.store().state(consents.tenant(), PROBE);
        } catch (RuntimeException e) {
            return Health.down()
                    .withDetail("store", store)
                    .withDetail(
                            "error",
                            Objects.toString(e.getMessage(), e.getClass().getName()))
                    .build();
        }
        return Health.up()
                .withDetail("store", store)
                .withDetail("responseMillis", (System.nanoTime() - start) / 1_000_000)
                .build();
    }
}
