package dev.consentkit.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.spi.ChangeFeed;
import dev.consentkit.core.spi.CheckpointLeaf;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.KeyedRecord;
import dev.consentkit.core.spi.StoreTransaction;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectChanges;
import dev.consentkit.core.spi.SubjectRecords;
import dev.consentkit.core.spi.SubjectState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The {@link dev.consentkit.core.DecisionCache}: a {@link ConsentStore}
 * that keeps each subject's {@link SubjectState} (or "nothing stored") in a Caffeine cache and answers
 * {@link #state} and {@link #currentRecords} from it; everything else goes to the store it wraps.
 *
 * <p>The rules, in words:
 * <ul>
 *   <li>A hit does no I/O: one lookup, and for {@code currentRecords} a small map of the purposes asked for.
 *   <li>A value read from the store is kept only if nothing dropped its subject while it was being read: every drop
 *       bumps the generation of the subject's stripe (or the epoch, for "drop everything"), and the reader stores
 *       its value only when both are what they were before it read, then looks once more and drops its own value
 *       if a drop raced with the store. So a read that began before a commit cannot put the older state back after
 *       the commit's drop.
 *   <li>A write drops the subjects it locked, renamed (erasure) or wrote when it returns, committed or not. When it
 *       joined the caller's transaction, those subjects are also read through (neither served nor cached) until
 *       the commit hook reports the commit, or for at most the maximum staleness.
 *   <li>With a change feed, the cache is bypassed (every read goes to the store) until the feed is live and
 *       whenever it reports it may have missed changes; when it is live again everything is dropped.
 * </ul>
 */
public final class CachingConsentStore implements ConsentStore, ChangeFeed.Listener, AutoCloseable {

    private static final int STRIPES = 1024;

    private final ConsentStore store;
    private final Cache<Key, Optional<SubjectState>> cache;
    private final AtomicLongArray generations = new AtomicLongArray(STRIPES);
    private final AtomicLong epoch = new AtomicLong();
    private final long pendingNanos;
    private final @Nullable CommitHook commitHook;
    private final ChangeFeed.@Nullable Subscription subscription;
    /** Subjects written in a caller's transaction that has not been seen to commit, with the nanoTime to give up. */
    private final Map<Key, Long> uncommitted = new ConcurrentHashMap<>();

    private volatile boolean trusted;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bypasses = new LongAdder();

    public CachingConsentStore(
            ConsentStore store,
            long maxSize,
            Duration maxStaleness,
            @Nullable ChangeFeed feed,
            @Nullable CommitHook commitHook) {
        this.store = store;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfterWrite(maxStaleness)
                .build();
        this.pendingNanos = maxStaleness.toNanos();
        this.commitHook = commitHook;
        this.trusted = feed == null;
        this.subscription = feed == null ? null : feed.subscribe(this);
    }

    /** The store behind the cache. */
    public ConsentStore delegate() {
        return store;
    }

    /** Whether reads may be served from memory now (false while the change feed is not delivering). */
    public boolean trusted() {
        return trusted;
    }

    /** Counters since the cache was made, for tests and metrics. */
    public Stats stats() {
        return new Stats(hits.sum(), misses.sum(), bypasses.sum(), cache.estimatedSize());
    }

    /**
     * What the cache did.
     *
     * @param hits     reads answered from memory
     * @param misses   reads that went to the store and may have been kept
     * @param bypasses reads that went to the store because the cache could not be trusted for them
     * @param size     roughly how many subjects are held
     */
    public record Stats(long hits, long misses, long bypasses, long size) {}

    /** Stops listening to the change feed; the cache stays usable (as if the feed were lost: bypassed). */
    @Override
    public void close() {
        if (subscription != null) {
            subscription.close();
            lost();
        }
    }

    // ------------------------------------------------------------------ cached reads

    @Override
    public Optional<SubjectState> state(String tenant, SubjectId subject) {
        return cachedState(tenant, subject);
    }

    @Override
    public Map<PurposeId, ConsentRecord> currentRecords(
            String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        Optional<SubjectState> state = cachedState(tenant, subject);
        if (state.isEmpty()) {
            return Map.of();
        }
        return narrowed(state.get().current(), purposes);
    }

    @Override
    public Map<SubjectId, Map<PurposeId, ConsentRecord>> currentRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        Map<SubjectId, Map<PurposeId, ConsentRecord>> result = new LinkedHashMap<>();
        states(tenant, subjects).forEach((subject, state) -> {
            Map<PurposeId, ConsentRecord> n = narrowed(state.current(), purposes);
            if (!n.isEmpty()) {
                result.put(subject, n);
            }
        });
        return result;
    }

    /** The record in force, from the cached state when the cache is trusted (see {@link #currentRecords}). */
    @Override
    public Optional<ConsentRecord> recordInForce(String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        if (!trusted) {
            bypasses.increment();
            return store.recordInForce(tenant, subject, purposes);
        }
        return ConsentStore.super.recordInForce(tenant, subject, purposes);
    }

    /** The deciding values, from cached states when the cache is trusted, else from the store's own narrow read. */
    @Override
    public Map<SubjectId, List<DecidingRecord>> decidingRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        if (!trusted) {
            bypasses.add(subjects.size());
            return store.decidingRecords(tenant, subjects, purposes);
        }
        return ConsentStore.super.decidingRecords(tenant, subjects, purposes);
    }

    /** Audiences stream the whole tenant: always from the store, never from (or into) the cache. */
    @Override
    public Stream<SubjectRecords> audience(String tenant, Collection<PurposeId> purposes, boolean everySubject) {
        return store.audience(tenant, purposes, everySubject);
    }

    @Override
    public Map<SubjectId, SubjectState> states(String tenant, Collection<SubjectId> subjects) {
        if (!trusted) {
            bypasses.add(subjects.size());
            return store.states(tenant, subjects);
        }
        Map<SubjectId, Optional<SubjectState>> found = new HashMap<>();
        List<SubjectId> missing = new ArrayList<>();
        for (SubjectId s : subjects) {
            Key k = new Key(tenant, s.value());
            Optional<SubjectState> v = servable(k) ? cache.getIfPresent(k) : null;
            if (v != null) {
                found.put(s, v);
                hits.increment();
            } else {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            long e = epoch.get();
            long[] g = new long[missing.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = generations.get(stripe(new Key(tenant, missing.get(i).value())));
            }
            Map<SubjectId, SubjectState> loaded = store.states(tenant, missing);
            misses.add(missing.size());
            for (int i = 0; i < g.length; i++) {
                SubjectId s = missing.get(i);
                Optional<SubjectState> v = Optional.ofNullable(loaded.get(s));
                keep(new Key(tenant, s.value()), e, g[i], v);
                found.put(s, v);
            }
        }
        Map<SubjectId, SubjectState> result = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            Optional<SubjectState> v = found.get(s);
            if (v != null && v.isPresent()) {
                result.put(s, v.get());
            }
        }
        return result;
    }

    private Optional<SubjectState> cachedState(String tenant, SubjectId subject) {
        if (!trusted) {
            bypasses.increment();
            return store.state(tenant, subject);
        }
        Key k = new Key(tenant, subject.value());
        if (!servable(k)) {
            bypasses.increment();
            return store.state(tenant, subject);
        }
        Optional<SubjectState> v = cache.getIfPresent(k);
        if (v != null) {
            hits.increment();
            return v;
        }
        long e = epoch.get();
        long g = generations.get(stripe(k));
        Optional<SubjectState> loaded = store.state(tenant, subject);
        misses.increment();
        keep(k, e, g, loaded);
        return loaded;
    }

    /** False for a subject written in a caller's transaction not yet seen to commit (until it gives up waiting). */
    private boolean servable(Key k) {
        if (uncommitted.isEmpty()) {
            return true;
        }
        Long until = uncommitted.get(k);
        if (until == null) {
            return true;
        }
        if (System.nanoTime() - until < 0) {
            return false;
        }
        if (uncommitted.remove(k, until)) {
            drop(k);
        }
        return true;
    }

    /**
     * Keeps {@code value}, read from the store after the epoch was {@code e} and the key's stripe generation
     * {@code g}, unless something dropped the key (or everything) since; then checks once more, so that a drop
     * that ran between the comparison and the store cannot leave the older value behind.
     */
    private void keep(Key k, long e, long g, Optional<SubjectState> value) {
        int stripe = stripe(k);
        if (!trusted || !servable(k)) {
            return;
        }
        cache.asMap().compute(k, (key, old) -> unchanged(stripe, e, g) ? value : old);
        if (!unchanged(stripe, e, g)) {
            cache.invalidate(k);
        }
    }

    private boolean unchanged(int stripe, long e, long g) {
        return trusted && epoch.get() == e && generations.get(stripe) == g;
    }

    private static Map<PurposeId, ConsentRecord> narrowed(
            Map<PurposeId, ConsentRecord> current, Collection<PurposeId> purposes) {
        if (current.isEmpty()) {
            return Map.of();
        }
        Map<PurposeId, ConsentRecord> result = new HashMap<>(purposes.size() * 2);
        for (PurposeId p : purposes) {
            ConsentRecord r = current.get(p);
            if (r != null) {
                result.put(p, r);
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ drops

    private static int stripe(Key k) {
        int h = k.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /** Drops one subject; reads of it that are under way do not keep what they read. */
    void drop(Key k) {
        generations.incrementAndGet(stripe(k));
        cache.invalidate(k);
    }

    /** Drops everything; reads under way do not keep what they read. */
    private void dropAll() {
        epoch.incrementAndGet();
        cache.invalidateAll();
    }

    @Override
    public void changed(String tenant, SubjectId subject) {
        drop(new Key(tenant, subject.value()));
    }

    @Override
    public void tenantChanged(String tenant) {
        epoch.incrementAndGet();
        cache.asMap().keySet().removeIf(k -> k.tenant().equals(tenant));
    }

    @Override
    public void lost() {
        trusted = false;
        dropAll();
    }

    @Override
    public void live() {
        dropAll();
        trusted = true;
    }

    // ------------------------------------------------------------------ writes

    /**
     * Runs the write on the store, noting every subject the protocol locks, renames or writes; drops them when it
     * returns or fails. When the write joined the caller's transaction, they are read through until it commits.
     */
    @Override
    public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
        Set<Key> touched = new LinkedHashSet<>();
        try {
            return store.inWriteTransaction(operation, tx -> work.run(new Noting(tx, touched)));
        } finally {
            if (!touched.isEmpty()) {
                written(touched);
            }
        }
    }

    private void written(Set<Key> touched) {
        boolean joined;
        try {
            joined = store.joinsCallerTransaction();
        } catch (RuntimeException e) {
            joined = true; // cannot tell: treat it as not committed yet
        }
        if (joined) {
            long until = System.nanoTime() + pendingNanos;
            touched.forEach(k -> uncommitted.put(k, until));
        }
        touched.forEach(this::drop);
        if (joined) {
            Runnable committed = () -> touched.forEach(k -> {
                uncommitted.remove(k);
                drop(k);
            });
            if (commitHook != null && !commitHook.afterCommit(committed)) {
                committed.run(); // no transaction is active after all: the write committed
            }
        }
    }

    /** The store's transaction, noting the subjects the protocol touches. */
    private static final class Noting implements StoreTransaction {
        private final StoreTransaction tx;
        private final Set<Key> touched;

        Noting(StoreTransaction tx, Set<Key> touched) {
            this.tx = tx;
            this.touched = touched;
        }

        @Override
        public Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects) {
            subjects.forEach(s -> touched.add(new Key(tenant, s.value())));
            return tx.lock(tenant, subjects);
        }

        @Override
        public Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects, Set<PurposeId> purposes) {
            subjects.forEach(s -> touched.add(new Key(tenant, s.value())));
            return tx.lock(tenant, subjects, purposes);
        }

        @Override
        public Set<SubjectId> erasedAmong(String tenant, Collection<SubjectId> pseudonyms) {
            return tx.erasedAmong(tenant, pseudonyms);
        }

        @Override
        public Map<String, KeyedRecord> recordsByIdempotencyKey(String tenant, Collection<String> idempotencyKeys) {
            return tx.recordsByIdempotencyKey(tenant, idempotencyKeys);
        }

        @Override
        public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return tx.preferences(tenant, subject);
        }

        @Override
        public void pseudonymise(String tenant, SubjectId subject, SubjectId pseudonym) {
            touched.add(new Key(tenant, subject.value()));
            touched.add(new Key(tenant, pseudonym.value()));
            tx.pseudonymise(tenant, subject, pseudonym);
        }

        @Override
        public void write(List<SubjectChanges> changes) {
            changes.forEach(ch -> touched.add(new Key(ch.tenant(), ch.subject().value())));
            tx.write(changes);
        }
    }

    // ------------------------------------------------------------------ passed through

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        return store.preferences(tenant, subject);
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        return store.findRecord(tenant, id);
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        return store.history(tenant, query);
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        return store.chains(tenant, subject);
    }

    /** Always the store's own verification, which compares the chains with what the store holds, not the cache. */
    @Override
    public VerificationReport verify(String tenant, Optional<SubjectId> subject) {
        return store.verify(tenant, subject);
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        return store.head(tenant, subject);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return store.joinsCallerTransaction();
    }

    @Override
    public void savePurposes(String tenant, Collection<Purpose> purposes) {
        store.savePurposes(tenant, purposes);
    }

    @Override
    public Set<UUID> entryIdsAmong(String tenant, SubjectId subject, Collection<UUID> entryIds) {
        return store.entryIdsAmong(tenant, subject, entryIds);
    }

    @Override
    public Stream<CheckpointLeaf> checkpointLeaves(String tenant, Instant until) {
        return store.checkpointLeaves(tenant, until);
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) {
        store.saveCheckpoint(checkpoint);
    }

    @Override
    public List<Checkpoint> checkpoints(String tenant) {
        return store.checkpoints(tenant);
    }

    /** A tenant and a subject id. */
    record Key(String tenant, String subject) {}
}
