package dev.consentkit.core.spi;

import dev.consentkit.core.ConsentDecision;

/**
 * Told of every decision a {@link dev.consentkit.core.ConsentManager} made in {@code check} or {@code require},
 * with how long it took, on the checking thread; for metrics (the Spring module feeds Micrometer's
 * {@code consentkit.checks} timer from it). It sits on the hot path: keep it fast. An observer that throws is
 * logged and does not change the decision.
 */
@FunctionalInterface
public interface DecisionObserver {

    /**
     * @param decision the decision returned to the caller (it names the purpose, never the subject)
     * @param nanos    how long the check took, in nanoseconds
     */
    void decided(ConsentDecision decision, long nanos);
}
