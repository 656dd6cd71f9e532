package dev.consentkit.jdbc;

import java.time.Duration;
import java.util.Optional;

/**
 * What waits in the outbox: the number of committed entries not yet taken off by a relay, and how long the oldest
 * of them has waited (empty when nothing waits). A relay's lag, for gauges and health checks.
 *
 * @param depth  entries waiting
 * @param oldest how long the oldest has waited
 */
public record OutboxBacklog(long depth, Optional<Duration> oldest) {

    /** Checks the values. */
    public OutboxBacklog {
        if (depth < 0) {
            throw new IllegalArgumentException("depth must not be negative");
        }
        java.util.Objects.requireNonNull(oldest, "oldest");
    }
}
