package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.ConsentStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Tells a manager's listeners about written entries once they are
 * committed: at once when the store committed them, through the {@link CommitHook} when they sit in the caller's
 * transaction, and not at all when they sit in a caller's transaction that no hook can follow (the outbox carries
 * those; a warning says so once). A failing listener is logged and the others still hear of the entry. Logs under
 * the {@link ConsentManager} logger, naming entry ids, never subjects.
 */
public final class ListenerDispatch {

    private static final Logger log = LoggerFactory.getLogger(ConsentManager.class);

    private final List<ConsentListener> listeners;
    private final @Nullable CommitHook commitHook;
    private final ConsentStore store;
    private final AtomicBoolean warnedListenersSkipped = new AtomicBoolean();

    public ListenerDispatch(List<ConsentListener> listeners, @Nullable CommitHook commitHook, ConsentStore store) {
        this.listeners = List.copyOf(listeners);
        this.commitHook = commitHook;
        this.store = store;
    }

    /** Publishes the entries a write appended (none for a replayed idempotency key). */
    public void publish(List<? extends AuditEntry> entries) {
        if (entries.isEmpty() || listeners.isEmpty()) {
            return;
        }
        List<AuditEntry> written = List.copyOf(entries);
        if (commitHook != null && commitHook.afterCommit(() -> deliver(written))) {
            return;
        }
        boolean joined;
        try {
            joined = store.joinsCallerTransaction();
        } catch (ConsentStoreException e) {
            // the write is stored; only whether it sits in a caller's transaction cannot be told now (the store
            // became unreachable): listeners must not hear of a write that may roll back, so they are not called,
            // and the write still succeeds. The outbox carries it.
            log.warn(
                    "Consent listeners not called for {} committed entries: the store could not tell whether the"
                            + " write joined a caller's transaction (SQLState in the cause); first entry {}",
                    written.size(),
                    written.get(0).id(),
                    e);
            return;
        }
        if (joined) {
            if (warnedListenersSkipped.compareAndSet(false, true)) {
                log.warn("A write joined the caller's transaction and no CommitHook is configured, so consent "
                        + "listeners are not called for such writes (they could still roll back); configure "
                        + "ConsentManager.builder().commitHook(...) or deliver changes with the JDBC OutboxRelay");
            }
            log.debug("Listeners skipped for {} entries written in the caller's transaction", written.size());
            return;
        }
        deliver(written);
    }

    /** Hands each committed entry to every listener in order. */
    public void deliver(List<AuditEntry> entries) {
        for (AuditEntry e : entries) {
            if (log.isDebugEnabled()) {
                log.debug(
                        "Committed {} {} seq={}",
                        e.getClass().getSimpleName(),
                        e.id(),
                        e.link().sequence());
            }
            for (ConsentListener l : listeners) {
                try {
                    l.onCommitted(e);
                } catch (RuntimeException ex) {
                    log.warn(
                            "Consent listener {} failed for entry {}",
                            l.getClass().getName(),
                            e.id(),
                            ex);
                }
            }
        }
    }
}
