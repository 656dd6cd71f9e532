package dev.consentkit.spring.internal;

import dev.consentkit.core.ConsentDecision;

/**
 * Hears of every check the Spring integration makes (the advisor, the GPC filter, the endpoints), for metrics.
 * Internal API; may change without notice.
 */
@FunctionalInterface
public interface ConsentCheckObserver {

    /** Does nothing. */
    ConsentCheckObserver NONE = (decision, nanos) -> { };

    /** Called after a check with its decision and how long it took. */
    void checked(ConsentDecision decision, long nanos);
}
