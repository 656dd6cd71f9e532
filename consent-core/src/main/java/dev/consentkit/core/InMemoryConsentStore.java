package dev.consentkit.core;

import dev.consentkit.core.internal.DecidingTable;
import dev.consentkit.core.internal.IdempotencyKeys;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.KeyedRecord;
import dev.consentkit.core.spi.StoreTransaction;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectChanges;
import dev.consentkit.core.spi.SubjectRecords;
import dev.consentkit.core.spi.SubjectState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link ConsentStore} in the JVM's memory: for tests, demos and applications that keep
 * consent elsewhere durable. Writers of one subject are serialised by a per-subject lock; readers never
 * block (each subject's current state is an immutable snapshot). A write transaction is atomic. Nothing
 * survives a restart.
 */
public final class InMemoryConsentStore implements ConsentStore {

    private final ConcurrentHashMap<Key, SubjectLog> subjects = new ConcurrentHashMap<>();
    private final EntryLog log = new EntryLog();
    /** Each idempotency key's record with the digest of the command that wrote it. */
    private final ConcurrentHashMap<IdempotencyKey, KeyedRecord> idempotency = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<UUID, Key> recordIndex = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<Purpose>> purposes = new ConcurrentHashMap<>();
    private final AtomicLong positions = new AtomicLong();
    private final ConcurrentHashMap<String, List<Checkpoint>> checkpoints = new ConcurrentHashMap<>();
    /** The records in force of every subject as flat rows, republished on every write (for allocation-free checks). */
    private final DecidingTable table = new DecidingTable();
    /** Serialises writers that carry idempotency keys, so check-then-insert of a key is atomic across subjects. */
    private final ReentrantLock idempotencyLock = new ReentrantLock();

    /**
     * Runs {@code work} under the locks it takes: each subject's lock (taken in the order asked, held to the
     * end), and, once idempotency keys are looked up, one store-wide lock, so that check-then-insert of a key is
     * atomic across subjects. Nothing is visible to readers until the work has returned; if it throws, nothing
     * is kept.
     */
    @Override
    public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
        Transaction tx = new Transaction();
        try {
            T result = work.run(tx);
            tx.commit();
            return result;
        } finally {
            tx.release();
        }
    }

    @Override
    public Optional<SubjectState> state(String tenant, SubjectId subject) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null || l.state.head().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(l.state);
    }

    /** A view of the current snapshot narrowed to {@code purposes}: nothing is copied on the check path. */
    @Override
    public Map<PurposeId, ConsentRecord> currentRecords(
            String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null || l.state.head().isEmpty()) {
            return Map.of();
        }
        return new Narrowed(l.state.current(), purposes);
    }

    /** The record in force among the current snapshot's records on {@code purposes}; nothing is copied. */
    @Override
    public Optional<ConsentRecord> recordInForce(String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null || l.state.head().isEmpty()) {
            return Optional.empty();
        }
        Map<PurposeId, ConsentRecord> current = l.state.current();
        ConsentRecord best = null;
        for (PurposeId p : purposes) {
            ConsentRecord r = current.get(p);
            if (r != null && (best == null || SubjectState.supersedes(r, best))) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** An unmodifiable view of {@code current} restricted to the keys in {@code keys}. */
    private static final class Narrowed extends java.util.AbstractMap<PurposeId, ConsentRecord> {
        private final Map<PurposeId, ConsentRecord> current;
        private final Collection<PurposeId> keys;

        Narrowed(Map<PurposeId, ConsentRecord> current, Collection<PurposeId> keys) {
            this.current = current;
            this.keys = keys;
        }

        @Override
        public @Nullable ConsentRecord get(Object key) {
            return keys.contains(key) ? current.get(key) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return keys.contains(key) && current.containsKey(key);
        }

        @Override
        public boolean isEmpty() {
            for (PurposeId k : keys) {
                if (current.containsKey(k)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Set<Entry<PurposeId, ConsentRecord>> entrySet() {
            Map<PurposeId, ConsentRecord> copy = new LinkedHashMap<>();
            for (PurposeId k : keys) {
                ConsentRecord r = current.get(k);
                if (r != null) {
                    copy.put(k, r);
                }
            }
            return Collections.unmodifiableMap(copy).entrySet();
        }
    }

    /**
     * The published snapshots of the tenant's subjects, ordered by subject id; each subject's state is read once,
     * when the stream reaches it. The ids are sorted when the stream starts.
     */
    @Override
    public Stream<SubjectRecords> audience(String tenant, Collection<PurposeId> purposes, boolean everySubject) {
        List<PurposeId> asked = List.copyOf(new LinkedHashSet<>(purposes));
        return subjects.keySet().stream()
                .filter(k -> k.tenant.equals(tenant))
                .sorted()
                .map(subjects::get)
                .filter(l -> l != null && l.state.head().isPresent())
                .map(l -> {
                    SubjectState st = l.state;
                    List<DecidingRecord> records = new ArrayList<>(asked.size());
                    for (PurposeId p : asked) {
                        ConsentRecord r = st.current().get(p);
                        if (r != null) {
                            records.add(DecidingRecord.of(r));
                        }
                    }
                    return everySubject || !records.isEmpty()
                            ? new SubjectRecords(st.subject(), records, st.erased())
                            : null;
                })
                .filter(Objects::nonNull);
    }

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        return l == null ? Map.of() : l.preferences;
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        Key key = recordIndex.get(id);
        if (key == null || !key.tenant.equals(tenant)) {
            return Optional.empty();
        }
        SubjectLog l = subjects.get(key);
        if (l == null) {
            return Optional.empty();
        }
        l.lock.lock();
        try {
            return l.entries.stream()
                    .filter(e -> e.id().equals(id) && e instanceof ConsentRecord)
                    .map(ConsentRecord.class::cast)
                    .findFirst();
        } finally {
            l.lock.unlock();
        }
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        if (query.subject().isPresent()) {
            return snapshot(new Key(tenant, query.subject().get())).stream().filter(query::matches);
        }
        return log.stream().filter(e -> e.tenant().equals(tenant) && query.matches(e));
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        if (subject.isPresent()) {
            return snapshot(new Key(tenant, subject.get())).stream();
        }
        return subjects.keySet().stream()
                .filter(k -> k.tenant.equals(tenant))
                .sorted()
                .flatMap(k -> snapshot(k).stream());
    }

    private List<AuditEntry> snapshot(Key key) {
        SubjectLog l = subjects.get(key);
        if (l == null) {
            return List.of();
        }
        l.lock.lock();
        try {
            return List.copyOf(l.entries);
        } finally {
            l.lock.unlock();
        }
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        return l == null ? Optional.empty() : l.state.head();
    }

    @Override
    public void savePurposes(String tenant, Collection<Purpose> declared) {
        purposes.merge(tenant, List.copyOf(declared), (a, b) -> {
            List<Purpose> all = new ArrayList<>(a);
            b.stream().filter(p -> !all.contains(p)).forEach(all::add);
            return List.copyOf(all);
        });
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) {
        checkpoints.merge(checkpoint.tenant(), List.of(checkpoint), (a, b) -> {
            List<Checkpoint> all = new ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
        });
    }

    @Override
    public List<Checkpoint> checkpoints(String tenant) {
        return checkpoints.getOrDefault(tenant, List.of());
    }

    /** Every purpose version saved for {@code tenant}. */
    public List<Purpose> savedPurposes(String tenant) {
        return purposes.getOrDefault(tenant, List.of());
    }

    /** The flat table of records in force that {@link ConsentManager#allowed(String, String)} reads. */
    DecidingTable decidingTable() {
        return table;
    }

    /** How many entries the store holds in all tenants. */
    public long size() {
        return log.size();
    }

    private record Key(String tenant, SubjectId subject) implements Comparable<Key> {
        private static final Comparator<Key> ORDER =
                Comparator.comparing(Key::tenant).thenComparing(Key::subject);

        @Override
        public int compareTo(Key o) {
            return ORDER.compare(this, o);
        }
    }

    private record IdempotencyKey(String tenant, String key) {}

    /**
     * The store-wide log in append order: entries by their position (1, 2, 3, ... as handed out by
     * {@link #positions}), in chunks of a plain array each instead of a node per entry. An erasure replaces
     * entries in place. A position handed out but not yet filled reads as a gap.
     */
    private static final class EntryLog {
        private static final int CHUNK_BITS = 12;
        private static final int CHUNK = 1 << CHUNK_BITS;

        private volatile AtomicReferenceArray<AuditEntry>[] chunks = newChunks(0);
        private final AtomicLong stored = new AtomicLong();
        private final AtomicLong highest = new AtomicLong();

        @SuppressWarnings("unchecked") // an array of one generic type, never exposed
        private static AtomicReferenceArray<AuditEntry>[] newChunks(int n) {
            return (AtomicReferenceArray<AuditEntry>[]) new AtomicReferenceArray<?>[n];
        }

        void put(long position, AuditEntry e) {
            int chunk = (int) (position >>> CHUNK_BITS);
            AtomicReferenceArray<AuditEntry>[] c = chunks;
            if (chunk >= c.length) {
                c = grow(chunk);
            }
            if (c[chunk].getAndSet((int) (position & (CHUNK - 1)), e) == null) {
                stored.incrementAndGet();
            }
            highest.accumulateAndGet(position, Math::max);
        }

        private synchronized AtomicReferenceArray<AuditEntry>[] grow(int chunk) {
            AtomicReferenceArray<AuditEntry>[] c = chunks;
            if (chunk < c.length) {
                return c;
            }
            AtomicReferenceArray<AuditEntry>[] next = java.util.Arrays.copyOf(c, Math.max(chunk + 1, c.length * 2));
            for (int i = c.length; i < next.length; i++) {
                next[i] = new AtomicReferenceArray<>(CHUNK);
            }
            chunks = next;
            return next;
        }

        @Nullable
        AuditEntry get(long position) {
            AtomicReferenceArray<AuditEntry>[] c = chunks;
            int chunk = (int) (position >>> CHUNK_BITS);
            return chunk < c.length ? c[chunk].get((int) (position & (CHUNK - 1))) : null;
        }

        long size() {
            return stored.get();
        }

        Stream<AuditEntry> stream() {
            return java.util.stream.LongStream.rangeClosed(1, highest.get())
                    .mapToObj(this::get)
                    .filter(java.util.Objects::nonNull)
                    .map(e -> e);
        }
    }

    /** One subject's entries, guarded by {@link #lock}; {@link #state} is published for lock-free reads. */
    private static final class SubjectLog {
        final ReentrantLock lock = new ReentrantLock();
        final Key key;
        final List<AuditEntry> entries = new ArrayList<>();
        /** The log position of each entry, in step with {@link #entries}. */
        long[] positions = new long[2];

        volatile SubjectState state;
        volatile Map<String, PreferenceRecord> preferences = Map.of();
        boolean removed;

        SubjectLog(Key key) {
            this.key = key;
            this.state = SubjectState.empty(key.tenant, key.subject);
        }

        void add(AuditEntry e, long position) {
            if (entries.size() == positions.length) {
                positions = java.util.Arrays.copyOf(positions, positions.length * 2);
            }
            positions[entries.size()] = position;
            entries.add(e);
        }
    }

    /** One write transaction: the locks it holds and the changes it applies when the work has succeeded. */
    private final class Transaction implements StoreTransaction {
        private final Map<Key, SubjectLog> locked = new LinkedHashMap<>();
        private final List<Key[]> moves = new ArrayList<>();
        private final List<SubjectChanges> writes = new ArrayList<>();
        private boolean holdsIdempotencyLock;

        @Override
        public Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> ids) {
            Map<SubjectId, SubjectState> states = new LinkedHashMap<>();
            for (SubjectId id : ids) {
                Key key = new Key(tenant, id);
                SubjectLog l = locked.get(key);
                while (l == null) {
                    SubjectLog candidate = subjects.computeIfAbsent(key, SubjectLog::new);
                    candidate.lock.lock();
                    if (candidate.removed) { // erased or forgotten concurrently: look the subject up again
                        candidate.lock.unlock();
                        continue;
                    }
                    locked.put(key, candidate);
                    l = candidate;
                }
                states.put(id, l.state);
            }
            return states;
        }

        @Override
        public Set<SubjectId> erasedAmong(String tenant, Collection<SubjectId> pseudonyms) {
            Set<SubjectId> erased = new HashSet<>();
            for (SubjectId p : pseudonyms) {
                SubjectLog l = subjects.get(new Key(tenant, p));
                if (l != null && l.state.erased()) {
                    erased.add(p);
                }
            }
            return erased;
        }

        @Override
        public Map<String, KeyedRecord> recordsByIdempotencyKey(String tenant, Collection<String> keys) {
            if (!holdsIdempotencyLock) {
                idempotencyLock.lock();
                holdsIdempotencyLock = true;
            }
            Map<String, KeyedRecord> found = new HashMap<>();
            for (String k : keys) {
                KeyedRecord r = idempotency.get(new IdempotencyKey(tenant, k));
                if (r != null) {
                    found.put(k, r);
                }
            }
            return found;
        }

        @Override
        public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return lockedLog(new Key(tenant, subject)).preferences;
        }

        @Override
        public void pseudonymise(String tenant, SubjectId subject, SubjectId pseudonym) {
            lockedLog(new Key(tenant, subject));
            lockedLog(new Key(tenant, pseudonym));
            moves.add(new Key[] {new Key(tenant, subject), new Key(tenant, pseudonym)});
        }

        @Override
        public void write(List<SubjectChanges> changes) {
            for (SubjectChanges c : changes) {
                lockedLog(new Key(c.tenant(), c.subject()));
            }
            writes.addAll(changes);
        }

        private SubjectLog lockedLog(Key key) {
            SubjectLog l = locked.get(key);
            if (l == null) {
                throw new IllegalStateException("the subject is not locked in this transaction");
            }
            return l;
        }

        /** Applies the moves of erasures (entries keep their places in the log), then the appended rows. */
        void commit() {
            for (Key[] move : moves) {
                SubjectLog source = lockedLog(move[0]);
                SubjectLog target = lockedLog(move[1]);
                SubjectId pseudonym = move[1].subject;
                Map<String, PreferenceRecord> preferences = new LinkedHashMap<>();
                for (int i = 0; i < source.entries.size(); i++) {
                    AuditEntry original = source.entries.get(i);
                    AuditEntry e = original.erased(pseudonym);
                    long position = source.positions[i];
                    target.add(e, position);
                    log.put(position, e);
                    recordIndex.put(e.id(), target.key);
                    if (original instanceof ConsentRecord r) {
                        r.idempotencyKey().ifPresent(k -> idempotency.remove(new IdempotencyKey(move[0].tenant, k)));
                    }
                }
                source.preferences.forEach((k, p) -> preferences.put(k, (PreferenceRecord) p.erased(pseudonym)));
                target.preferences = Map.copyOf(preferences);
                source.removed = true;
                subjects.remove(move[0], source);
                table.remove(move[0].tenant, move[0].subject.value());
            }
            for (SubjectChanges c : writes) {
                SubjectLog target = lockedLog(new Key(c.tenant(), c.subject()));
                for (AuditEntry e : c.appended()) {
                    long position = positions.incrementAndGet();
                    target.add(e, position);
                    log.put(position, e);
                    if (e instanceof ConsentRecord r) {
                        recordIndex.put(e.id(), target.key);
                        // keys ConsentKit generated are never looked up (see ChainWriter): not indexed
                        r.idempotencyKey()
                                .filter(k -> !IdempotencyKeys.isGenerated(k))
                                .ifPresent(k -> idempotency.putIfAbsent(
                                        new IdempotencyKey(c.tenant(), k),
                                        new KeyedRecord(
                                                r,
                                                Optional.ofNullable(
                                                        c.commandDigests().get(r.id())))));
                    }
                }
                if (!c.preferencesAdded().isEmpty() || !c.preferencesReplaced().isEmpty()) {
                    target.preferences = c.preferences();
                }
                target.state = c.after();
                table.publish(c.after());
            }
        }

        /** Forgets lock objects of subjects that still have no entries (no identifier lingers), then unlocks. */
        void release() {
            for (SubjectLog l : locked.values()) {
                if (l.entries.isEmpty() && !l.removed) {
                    l.removed = true;
                    subjects.remove(l.key, l);
                }
            }
            locked.values().forEach(l -> l.lock.unlock());
            if (holdsIdempotencyLock) {
                idempotencyLock.unlock();
            }
        }
    }
}
