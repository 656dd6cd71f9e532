package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.StoreWork;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Runs a write transaction and settles a commit that was in doubt, the same
 * way for every store and every write (appends and erasures). When the store reports a failure with
 * {@link ConsentStoreException.Outcome#UNKNOWN} (the connection was lost while the commit was in flight), the
 * entries the last attempt handed the store are looked up on a fresh connection, once the interrupted transaction
 * has ended: a transaction holds its subjects' locks until it commits or rolls back, so taking the same locks in a
 * transaction of its own (which writes nothing) waits for it. Found, the write succeeded and its result is returned
 * (the caller then publishes it to listeners, once); absent, nothing was written and the write runs again, at most
 * {@link #ROUNDS} times in all; when the lookup itself cannot be made, the store's failure with
 * {@link ConsentStoreException.Outcome#UNKNOWN} is thrown. Entries are looked up by their ids, which are unique in
 * the store and fixed before the transaction begins, so the lookup cannot mistake another write for this one.
 */
final class InDoubtWrites {

    private static final Logger log = LoggerFactory.getLogger(InDoubtWrites.class);

    /** How often a write whose commit was in doubt and is found not committed is run, in all. */
    static final int ROUNDS = 3;

    /** How often the lookup of a write in doubt is tried before the outcome is reported as unknown. */
    static final int LOOKUPS = 3;

    private final ConsentStore store;

    InDoubtWrites(ConsentStore store) {
        this.store = store;
    }

    /**
     * Runs {@code work} with {@link ConsentStore#inWriteTransaction}; {@code written} tells which entries a result
     * of the work wrote (the store's rows), for the lookup.
     */
    <T> T write(String operation, StoreWork<T> work, Function<T, List<AuditEntry>> written) {
        ConsentStoreException notCommitted = null;
        for (int round = 1; round <= ROUNDS; round++) {
            Attempt<T> attempt = new Attempt<>();
            try {
                return store.inWriteTransaction(operation, tx -> {
                    attempt.result = null;
                    T result = work.run(tx);
                    attempt.result = result;
                    return result;
                });
            } catch (ConsentStoreException e) {
                T attempted = attempt.result;
                if (e.outcome() != ConsentStoreException.Outcome.UNKNOWN || attempted == null) {
                    throw e;
                }
                List<AuditEntry> entries = written.apply(attempted);
                if (entries.isEmpty()) {
                    return attempted; // the transaction wrote nothing: committed or not, its result holds
                }
                Boolean committed = lookUp(operation, entries, e);
                if (committed == null) {
                    throw e;
                }
                if (committed) {
                    log.info(
                            "A {} whose commit was in doubt (connection lost) was found committed: {} entries,"
                                    + " first {}",
                            operation,
                            entries.size(),
                            entries.get(0).id());
                    return attempted;
                }
                log.debug("A {} whose commit was in doubt was found not committed (round {})", operation, round);
                notCommitted = e;
            }
        }
        throw new ConsentStoreException(
                operation,
                ConsentStoreException.Reason.OTHER,
                ConsentStoreException.Outcome.NOT_WRITTEN,
                "the connection was lost while committing, " + ROUNDS
                        + " times, and each time the lookup found the write not committed",
                java.util.Objects.requireNonNull(notCommitted));
    }

    /**
     * Whether all of {@code entries} are stored ({@code true}) or none ({@code false}), once the locks of their
     * subjects can be had; {@code null} when that cannot be told (the store stayed unreachable).
     */
    private @Nullable Boolean lookUp(String operation, List<AuditEntry> entries, ConsentStoreException failure) {
        Map<String, Map<SubjectId, Set<UUID>>> byChain = new TreeMap<>();
        for (AuditEntry e : entries) {
            byChain.computeIfAbsent(e.tenant(), t -> new TreeMap<>())
                    .computeIfAbsent(e.subject(), s -> new LinkedHashSet<>())
                    .add(e.id());
        }
        for (int attempt = 1; attempt <= LOOKUPS; attempt++) {
            try {
                waitForTheInterruptedTransaction(operation, byChain);
                int wanted = 0;
                int found = 0;
                for (Map.Entry<String, Map<SubjectId, Set<UUID>>> t : byChain.entrySet()) {
                    for (Map.Entry<SubjectId, Set<UUID>> chain : t.getValue().entrySet()) {
                        wanted += chain.getValue().size();
                        found += store.entryIdsAmong(t.getKey(), chain.getKey(), chain.getValue())
                                .size();
                    }
                }
                if (found == wanted) {
                    return Boolean.TRUE;
                }
                if (found == 0) {
                    return Boolean.FALSE;
                }
                return null; // a transaction commits all or nothing: a part found means the store cannot be trusted
            } catch (ConsentStoreException e) {
                failure.addSuppressed(e);
                pause(attempt);
            }
        }
        return null;
    }

    /**
     * Takes the locks of the subjects the interrupted transaction wrote, in a transaction that writes nothing: the
     * interrupted one held them until it committed or rolled back, so once they are had it has ended. A failure
     * after the locks were had (its commit, say, losing the connection too) proves as much, and is ignored.
     */
    private void waitForTheInterruptedTransaction(String operation, Map<String, Map<SubjectId, Set<UUID>>> byChain) {
        boolean[] locked = {false};
        try {
            store.inWriteTransaction(operation, tx -> {
                byChain.forEach((tenant, chains) -> tx.lock(tenant, List.copyOf(chains.keySet())));
                locked[0] = true;
                return Boolean.TRUE;
            });
        } catch (ConsentStoreException e) {
            if (!locked[0]) {
                throw e;
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(50L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the last run of the work returned, if it ran to the end. */
    private static final class Attempt<T> {
        @Nullable
        T result;
    }
}
