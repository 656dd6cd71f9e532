package dev.consentkit.spring.internal;

import dev.consentkit.core.spi.CommitHook;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A {@link CommitHook} on Spring's transaction synchronisation: when a Spring-managed transaction is active on the
 * calling thread, the action runs after it commits (never after a rollback). Internal API; may change without
 * notice.
 */
public final class SpringTransactionCommitHook implements CommitHook {

    @Override
    public boolean afterCommit(Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return false;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
        return true;
    }

    @Override
    public String toString() {
        return "SpringTransactionCommitHook";
    }
}
