package dev.consentkit.spring.internal;

import dev.consentkit.jdbc.OutboxBacklog;
import dev.consentkit.jdbc.OutboxRelay;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Internal API; may change without notice. UP while the oldest change waiting in the outbox is younger than the
 * allowed lag, DOWN past it (downstream systems are not being told) or when the backlog cannot be read; the details
 * give the relay's name, the depth and the oldest entry's age in seconds.
 */
public final class OutboxRelayHealthIndicator implements HealthIndicator {

    private final OutboxRelay relay;
    private final Duration maxLag;

    public OutboxRelayHealthIndicator(OutboxRelay relay, Duration maxLag) {
        this.relay = relay;
        this.maxLag = maxLag;
    }

    @Override
    public Health health() {
        OutboxBacklog backlog;
        try {
            backlog = relay.backlog();
        } catch (RuntimeException e) {
            return Health.down()
                    .withDetail("relay", relay.name())
                    .withDetail(
                            "error",
                            Objects.toString(e.getMessage(), e.getClass().getName()))
                    .build();
        }
        Duration oldest = backlog.oldest().orElse(Duration.ZERO);
        Health.Builder health = oldest.compareTo(maxLag) > 0 ? Health.down() : Health.up();
        return health.withDetail("relay", relay.name())
                .withDetail("depth", backlog.depth())
                .withDetail("oldestSeconds", oldest.toSeconds())
                .withDetail("maxLagSeconds", maxLag.toSeconds())
                .build();
    }
}
