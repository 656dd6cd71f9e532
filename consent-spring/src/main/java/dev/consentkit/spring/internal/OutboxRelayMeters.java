package dev.consentkit.spring.internal;

import dev.consentkit.jdbc.OutboxBacklog;
import dev.consentkit.jdbc.OutboxRelay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The outbox lag as gauges tagged with the relay's name:
 * {@code consentkit.outbox.depth} (entries waiting) and {@code consentkit.outbox.oldest.age} (seconds the oldest
 * has waited, 0 when none; NaN while the backlog cannot be read). Both read one backlog query, at most once a second however often they are scraped.
 */
public final class OutboxRelayMeters {

    private static final Duration REUSE = Duration.ofSeconds(1);

    private final OutboxRelay relay;
    private final Clock clock;
    private @Nullable OutboxBacklog last;
    private Instant readAt = Instant.MIN;

    public OutboxRelayMeters(OutboxRelay relay, MeterRegistry registry, Clock clock) {
        this.relay = relay;
        this.clock = clock;
        Gauge.builder("consentkit.outbox.depth", this, m -> {
                    OutboxBacklog b = m.backlog();
                    return b == null ? Double.NaN : b.depth();
                })
                .description("Committed changes waiting in the outbox")
                .tag("relay", relay.name())
                .register(registry);
        Gauge.builder("consentkit.outbox.oldest.age", this, m -> {
                    OutboxBacklog b = m.backlog();
                    return b == null
                            ? Double.NaN
                            : b.oldest().orElse(Duration.ZERO).toMillis() / 1000.0;
                })
                .description("How long the oldest waiting change has waited")
                .baseUnit(TimeUnit.SECONDS.name().toLowerCase(java.util.Locale.ROOT))
                .tag("relay", relay.name())
                .register(registry);
    }

    /** The backlog, read at most once a second; null (the gauges show NaN) when it cannot be read. */
    private synchronized @Nullable OutboxBacklog backlog() {
        Instant now = clock.instant();
        if (now.isBefore(readAt.plus(REUSE))) {
            return last;
        }
        try {
            last = relay.backlog();
        } catch (RuntimeException e) {
            last = null; // the health indicator reports the failure
        }
        readAt = now;
        return last;
    }
}
