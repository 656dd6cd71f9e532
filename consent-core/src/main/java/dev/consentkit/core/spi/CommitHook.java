package dev.consentkit.core.spi;

/**
 * Lets a {@link dev.consentkit.core.ConsentManager} tell its {@link ConsentListener}s about a write only once the
 * transaction that holds it has committed, when that transaction belongs to the caller.
 *
 * <p>A store that commits its own writes needs no hook: listeners run as soon as the write returns. When a JDBC
 * store joins a transaction the application controls (see {@link ConsentStore#joinsCallerTransaction()}), only the
 * application's transaction manager knows when, or whether, it commits; an implementation of this interface
 * bridges to it (the Spring module registers one backed by Spring's transaction synchronisation). Without a hook,
 * listeners are not called for writes made inside a caller's transaction; the JDBC module's {@code OutboxRelay}
 * delivers those after their commit.
 */
@FunctionalInterface
public interface CommitHook {

    /**
     * Registers {@code action} to run once the transaction active on the calling thread commits, and never if it
     * rolls back.
     *
     * @return {@code true} if a transaction is active and the action was registered; {@code false} if none is
     *         active, in which case the action was not registered and the caller runs it itself
     */
    boolean afterCommit(Runnable action);
}
