package dev.consentkit.core;

import dev.consentkit.core.internal.CompactRecord;
import dev.consentkit.core.internal.DecidingTable;
import dev.consentkit.core.internal.IdempotencyKeys;
import dev.consentkit.core.internal.Interner;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.KeyedRecord;
import dev.consentkit.core.spi.StoreTransaction;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectChanges;
import dev.consentkit.core.spi.SubjectRecords;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
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
 *
 * <p>Consent records are kept in a compact form of primitive fields and shared instances (see
 * {@link CompactRecord}); every read builds the {@link ConsentRecord} anew, equal to the one written.
 */
public final class InMemoryConsentStore implements ConsentStore {

    /** In a subject's published state: the head entry as stored, or null while the subject has none. */
    private static final int HEAD = 0;
    /** In a subject's published state: {@link Boolean#TRUE} if the subject (here: its pseudonym) was erased. */
    private static final int ERASED = 1;
    /** In a subject's published state: the first of the current records, one per purpose. */
    private static final int CURRENT = 2;

    private static final Object[] NO_STATE = {null, Boolean.FALSE};

    private final ConcurrentHashMap<Key, SubjectLog> subjects = new ConcurrentHashMap<>();
    private final EntryLog log = new EntryLog();
    /** Each caller's idempotency key with the log position of its record and the digest of the command. */
    private final ConcurrentHashMap<IdempotencyKey, Keyed> idempotency = new ConcurrentHashMap<>();

    /** The log position of every consent record by its id. */
    private final IdIndex recordIndex = new IdIndex();

    private final ConcurrentHashMap<String, List<Purpose>> purposes = new ConcurrentHashMap<>();
    private final AtomicLong positions = new AtomicLong();
    private final ConcurrentHashMap<String, List<Checkpoint>> checkpoints = new ConcurrentHashMap<>();
    /** The records in force of every subject as flat rows, republished on every write (for allocation-free checks). */
    private final DecidingTable table = new DecidingTable();
    /** Serialises writers that carry idempotency keys, so check-then-insert of a key is atomic across subjects. */
    private final ReentrantLock idempotencyLock = new ReentrantLock();
    /** Shares equal evidence and purpose ids between stored records. */
    private final Interner<Evidence> evidence = new Interner<>(12);

    private final Interner<PurposeId> purposeIds = new Interner<>(10);

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
        if (l == null) {
            return Optional.empty();
        }
        Object[] st = l.state;
        return st[HEAD] == null ? Optional.empty() : Optional.of(stateOf(l.key, st));
    }

    /** The current records on {@code purposes}, built from the current snapshot. */
    @Override
    public Map<PurposeId, ConsentRecord> currentRecords(
            String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null) {
            return Map.of();
        }
        Object[] st = l.state;
        if (st[HEAD] == null) {
            return Map.of();
        }
        Map<PurposeId, ConsentRecord> result = new LinkedHashMap<>();
        for (PurposeId p : purposes) {
            CompactRecord r = current(st, p);
            if (r != null) {
                result.put(p, r.toRecord());
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /** The record in force among the current snapshot's records on {@code purposes}; only that one is built. */
    @Override
    public Optional<ConsentRecord> recordInForce(String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null) {
            return Optional.empty();
        }
        Object[] st = l.state;
        if (st[HEAD] == null) {
            return Optional.empty();
        }
        CompactRecord best = null;
        for (PurposeId p : purposes) {
            CompactRecord r = current(st, p);
            if (r != null && (best == null || r.supersedes(best))) {
                best = r;
            }
        }
        return best == null ? Optional.empty() : Optional.of(best.toRecord());
    }

    /** The current record on {@code purpose} in a published state, or null. */
    private static @Nullable CompactRecord current(Object[] st, PurposeId purpose) {
        for (int i = CURRENT; i < st.length; i++) {
            CompactRecord r = (CompactRecord) st[i];
            if (r.purpose().equals(purpose)) {
                return r;
            }
        }
        return null;
    }

    /** The subject's state built from a published snapshot that has a head. */
    private static SubjectState stateOf(Key key, Object[] st) {
        Map<PurposeId, ConsentRecord> current = new HashMap<>();
        for (int i = CURRENT; i < st.length; i++) {
            CompactRecord r = (CompactRecord) st[i];
            current.put(r.purpose(), r.toRecord());
        }
        Object head = st[HEAD];
        ChainLink link;
        Instant recordedAt;
        if (head instanceof CompactRecord r) {
            link = r.link();
            recordedAt = r.recordedAt();
        } else {
            AuditEntry e = (AuditEntry) head;
            link = e.link();
            recordedAt = e.recordedAt();
        }
        return new SubjectState(
                key.tenant,
                key.subject,
                Optional.of(link),
                Optional.of(recordedAt),
                current,
                st[ERASED] == Boolean.TRUE);
    }

    /** The entry as the API knows it: a stored compact record is built anew. */
    private static AuditEntry entry(Object stored) {
        return stored instanceof CompactRecord r ? r.toRecord() : (AuditEntry) stored;
    }

    private static String tenantOf(Object stored) {
        return stored instanceof CompactRecord r ? r.tenant() : ((AuditEntry) stored).tenant();
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
                .filter(Objects::nonNull)
                .map(l -> {
                    Object[] st = l.state;
                    if (st[HEAD] == null) {
                        return null;
                    }
                    List<DecidingRecord> records = deciding(st, asked);
                    return everySubject || !records.isEmpty()
                            ? new SubjectRecords(l.key.subject, records, st[ERASED] == Boolean.TRUE)
                            : null;
                })
                .filter(Objects::nonNull);
    }

    /**
     * The deciding values straight from the published compact rows, without building a record: the SPI's default
     * would build every current record of every subject asked (what {@code filterAllowed} and {@code allowed}
     * read). Subjects without a record on any of {@code purposes} are absent.
     */
    @Override
    public Map<SubjectId, List<DecidingRecord>> decidingRecords(
            String tenant, Collection<SubjectId> asked, Collection<PurposeId> purposes) {
        Map<SubjectId, List<DecidingRecord>> result = new LinkedHashMap<>();
        for (SubjectId subject : asked) {
            SubjectLog l = subjects.get(new Key(tenant, subject));
            Object[] st = l == null ? NO_STATE : l.state;
            if (st[HEAD] != null) {
                List<DecidingRecord> records = deciding(st, purposes);
                if (!records.isEmpty()) {
                    result.put(subject, records);
                }
            }
        }
        return result;
    }

    /** The deciding values of a published state's current records on {@code purposes}. */
    private static List<DecidingRecord> deciding(Object[] st, Collection<PurposeId> purposes) {
        List<DecidingRecord> records = new ArrayList<>(purposes.size());
        for (PurposeId p : purposes) {
            CompactRecord r = current(st, p);
            if (r != null) {
                records.add(r.deciding());
            }
        }
        return records;
    }

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        return l == null ? Map.of() : l.preferences;
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        int position = recordIndex.get(msb, lsb);
        if (position == 0
                || !(log.get(position) instanceof CompactRecord found)
                || !found.tenant().equals(tenant)) {
            return Optional.empty();
        }
        // read under the subject's lock, so that a record of a write still being applied is seen once it is whole
        SubjectLog l = subjects.get(new Key(found.tenant(), found.subject()));
        Object stored;
        if (l == null) {
            stored = log.get(position);
        } else {
            l.lock.lock();
            try {
                stored = log.get(position);
            } finally {
                l.lock.unlock();
            }
        }
        return stored instanceof CompactRecord r
                        && r.hasId(msb, lsb)
                        && r.tenant().equals(tenant)
                ? Optional.of(r.toRecord())
                : Optional.empty();
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        if (query.subject().isPresent()) {
            return snapshot(new Key(tenant, query.subject().get())).stream().filter(query::matches);
        }
        return log.stream()
                .filter(e -> tenantOf(e).equals(tenant))
                .map(InMemoryConsentStore::entry)
                .filter(query::matches);
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
        Object[] stored;
        l.lock.lock();
        try {
            stored = new Object[l.count];
            for (int i = 0; i < stored.length; i++) {
                // a subject's positions are filled before they are added to it, under its lock
                stored[i] = Objects.requireNonNull(log.get(l.positions[i]), "entry at a subject's position");
            }
        } finally {
            l.lock.unlock();
        }
        AuditEntry[] entries = new AuditEntry[stored.length];
        for (int i = 0; i < stored.length; i++) {
            entries[i] = entry(stored[i]);
        }
        return List.of(entries);
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null) {
            return Optional.empty();
        }
        Object head = l.state[HEAD];
        if (head == null) {
            return Optional.empty();
        }
        return Optional.of(head instanceof CompactRecord r ? r.link() : ((AuditEntry) head).link());
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

    /**
     * The compact form of {@code r}, sharing the subject's tenant and id (when the record names them, as the
     * protocol's records do), the purpose id and the evidence.
     */
    private CompactRecord compact(ConsentRecord r, Key key) {
        String tenant = key.tenant.equals(r.tenant()) ? key.tenant : r.tenant();
        SubjectId subject = key.subject.equals(r.subject()) ? key.subject : r.subject();
        return CompactRecord.of(r, tenant, subject, purposeIds.intern(r.purpose()), evidence.intern(r.evidence()));
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

    /** Where the record of a caller's idempotency key lies in the log, and the digest of its command (or null). */
    private record Keyed(int position, @Nullable String commandDigest) {}

    /**
     * The store-wide log in append order: entries by their position (1, 2, 3, ... as handed out by
     * {@link #positions}), in chunks of a plain array each instead of a node per entry. Consent records are held
     * as {@link CompactRecord}s, other entries as they are. An erasure replaces entries in place. A position
     * handed out but not yet filled reads as a gap.
     */
    private static final class EntryLog {
        private static final int CHUNK_BITS = 12;
        private static final int CHUNK = 1 << CHUNK_BITS;

        private volatile AtomicReferenceArray<Object>[] chunks = newChunks(0);
        private final AtomicLong stored = new AtomicLong();
        private final AtomicLong highest = new AtomicLong();

        @SuppressWarnings("unchecked") // an array of one generic type, never exposed
        private static AtomicReferenceArray<Object>[] newChunks(int n) {
            return (AtomicReferenceArray<Object>[]) new AtomicReferenceArray<?>[n];
        }

        void put(long position, Object e) {
            int chunk = (int) (position >>> CHUNK_BITS);
            AtomicReferenceArray<Object>[] c = chunks;
            if (chunk >= c.length) {
                c = grow(chunk);
            }
            if (c[chunk].getAndSet((int) (position & (CHUNK - 1)), e) == null) {
                stored.incrementAndGet();
            }
            highest.accumulateAndGet(position, Math::max);
        }

        private synchronized AtomicReferenceArray<Object>[] grow(int chunk) {
            AtomicReferenceArray<Object>[] c = chunks;
            if (chunk < c.length) {
                return c;
            }
            AtomicReferenceArray<Object>[] next = java.util.Arrays.copyOf(c, Math.max(chunk + 1, c.length * 2));
            for (int i = c.length; i < next.length; i++) {
                next[i] = new AtomicReferenceArray<>(CHUNK);
            }
            chunks = next;
            return next;
        }

        /** The entry at {@code position} as stored ({@link CompactRecord} or {@link AuditEntry}), or null. */
        @Nullable
        Object get(long position) {
            AtomicReferenceArray<Object>[] c = chunks;
            int chunk = (int) (position >>> CHUNK_BITS);
            return chunk < c.length ? c[chunk].get((int) (position & (CHUNK - 1))) : null;
        }

        long size() {
            return stored.get();
        }

        Stream<Object> stream() {
            return java.util.stream.LongStream.rangeClosed(1, highest.get())
                    .mapToObj(this::get)
                    .filter(java.util.Objects::nonNull);
        }
    }

    /**
     * The log position of each consent record by its id: open addressing over an {@code int[]} of positions (0
     * marks a free slot), comparing ids with the records in the log, so that no id or node is kept per record.
     * Guarded by its monitor; lookups are rare (confirmations, reads by id).
     */
    private final class IdIndex {
        private int[] slots = new int[1024];
        private int size;

        synchronized void put(long msb, long lsb, int position) {
            if (2 * (size + 1) > slots.length) {
                int[] old = slots;
                slots = new int[old.length * 2];
                for (int p : old) {
                    if (p != 0) {
                        CompactRecord r = rowAt(p);
                        insert(r.idMsb(), r.idLsb(), p);
                    }
                }
            }
            if (insert(msb, lsb, position)) {
                size++;
            }
        }

        /** Puts {@code position} into its slot; false if it replaced the position of the same id. */
        private boolean insert(long msb, long lsb, int position) {
            int mask = slots.length - 1;
            for (int i = hash(msb, lsb) & mask; ; i = (i + 1) & mask) {
                int p = slots[i];
                if (p == 0) {
                    slots[i] = position;
                    return true;
                }
                if ((rowAt(p)).hasId(msb, lsb)) {
                    slots[i] = position;
                    return false;
                }
            }
        }

        private CompactRecord rowAt(int position) {
            return (CompactRecord) Objects.requireNonNull(log.get(position));
        }

        /** The position of the record with this id, or 0. */
        synchronized int get(long msb, long lsb) {
            int mask = slots.length - 1;
            for (int i = hash(msb, lsb) & mask; ; i = (i + 1) & mask) {
                int p = slots[i];
                if (p == 0 || (rowAt(p)).hasId(msb, lsb)) {
                    return p;
                }
            }
        }

        private static int hash(long msb, long lsb) {
            long h = (msb ^ Long.rotateLeft(lsb, 29)) * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }

    /**
     * One subject's entries (their log positions), guarded by {@link #lock}; {@link #state} is published for
     * lock-free reads.
     */
    private static final class SubjectLog {
        final ReentrantLock lock = new ReentrantLock();
        final Key key;
        /** The log position of each entry of the subject, in chain order; the first {@link #count} are used. */
        int[] positions = new int[2];

        int count;
        /**
         * The published state, immutable: at {@link #HEAD} the head entry as stored (null: no entries), at
         * {@link #ERASED} the erased flag, from {@link #CURRENT} on the current records.
         */
        volatile Object[] state = NO_STATE;

        volatile Map<String, PreferenceRecord> preferences = Map.of();
        boolean removed;

        SubjectLog(Key key) {
            this.key = key;
        }

        void add(long position) {
            if (count == positions.length) {
                positions = java.util.Arrays.copyOf(positions, positions.length * 2);
            }
            positions[count++] = Math.toIntExact(position);
        }

        SubjectState lockedState() {
            Object[] st = state;
            return st[HEAD] == null ? SubjectState.empty(key.tenant, key.subject) : stateOf(key, st);
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
                states.put(id, l.lockedState());
            }
            return states;
        }

        @Override
        public Set<SubjectId> erasedAmong(String tenant, Collection<SubjectId> pseudonyms) {
            Set<SubjectId> erased = new HashSet<>();
            for (SubjectId p : pseudonyms) {
                SubjectLog l = subjects.get(new Key(tenant, p));
                if (l != null && l.state[ERASED] == Boolean.TRUE) {
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
                Keyed keyed = idempotency.get(new IdempotencyKey(tenant, k));
                if (keyed != null && log.get(keyed.position()) instanceof CompactRecord r) {
                    found.put(k, new KeyedRecord(r.toRecord(), Optional.ofNullable(keyed.commandDigest())));
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
                Object[] before = source.state;
                Object[] after = before.clone();
                for (int i = 0; i < source.count; i++) {
                    int position = source.positions[i];
                    Object original = log.get(position);
                    Object e;
                    if (original instanceof CompactRecord r) {
                        r.callerKey().ifPresent(k -> idempotency.remove(new IdempotencyKey(move[0].tenant, k)));
                        e = compact(r.toRecord().erased(pseudonym), target.key);
                    } else {
                        e = ((AuditEntry) Objects.requireNonNull(original)).erased(pseudonym);
                    }
                    target.add(position);
                    log.put(position, e);
                    for (int s = 0; s < after.length; s++) {
                        if (s != ERASED && before[s] == original) {
                            after[s] = e; // the head and the current records: their erased copies
                        }
                    }
                }
                source.preferences.forEach((k, p) -> preferences.put(k, (PreferenceRecord) p.erased(pseudonym)));
                target.preferences = Map.copyOf(preferences);
                target.state = after;
                source.removed = true;
                subjects.remove(move[0], source);
                table.remove(move[0].tenant, move[0].subject.value());
            }
            for (SubjectChanges c : writes) {
                SubjectLog target = lockedLog(new Key(c.tenant(), c.subject()));
                List<CompactRecord> written = new ArrayList<>(c.appended().size());
                Object head = null;
                for (AuditEntry e : c.appended()) {
                    long position = positions.incrementAndGet();
                    Object stored = e;
                    if (e instanceof ConsentRecord r) {
                        CompactRecord row = compact(r, target.key);
                        stored = row;
                        written.add(row);
                        target.add(position);
                        log.put(position, row);
                        recordIndex.put(row.idMsb(), row.idLsb(), Math.toIntExact(position));
                        // keys ConsentKit generated are never looked up (see ChainWriter): not indexed
                        r.idempotencyKey()
                                .filter(k -> !IdempotencyKeys.isGenerated(k))
                                .ifPresent(k -> idempotency.putIfAbsent(
                                        new IdempotencyKey(c.tenant(), k),
                                        new Keyed(
                                                Math.toIntExact(position),
                                                c.commandDigests().get(r.id()))));
                    } else {
                        target.add(position);
                        log.put(position, e);
                    }
                    head = stored;
                }
                if (!c.preferencesAdded().isEmpty() || !c.preferencesReplaced().isEmpty()) {
                    target.preferences = c.preferences();
                }
                target.state = published(target, c.after(), head, written);
                table.publish(c.after());
            }
        }

        /**
         * The state to publish after a write: {@code after} with its records in their stored form (the rows just
         * written, or the ones published before).
         */
        private Object[] published(
                SubjectLog target, SubjectState after, @Nullable Object head, List<CompactRecord> written) {
            Object[] before = target.state;
            Map<PurposeId, ConsentRecord> current = after.current();
            Object[] st = new Object[CURRENT + current.size()];
            if (head == null) { // nothing appended: the head stays
                head = before[HEAD];
            }
            st[HEAD] = head;
            st[ERASED] = after.erased() ? Boolean.TRUE : Boolean.FALSE;
            int i = CURRENT;
            for (ConsentRecord r : current.values()) {
                CompactRecord row = stored(r, written, before);
                st[i++] = row != null ? row : compact(r, target.key);
            }
            return st;
        }

        private static @Nullable CompactRecord stored(ConsentRecord r, List<CompactRecord> written, Object[] before) {
            long msb = r.id().getMostSignificantBits();
            long lsb = r.id().getLeastSignificantBits();
            for (CompactRecord row : written) {
                if (row.hasId(msb, lsb)) {
                    return row;
                }
            }
            for (int i = CURRENT; i < before.length; i++) {
                CompactRecord row = (CompactRecord) before[i];
                if (row.hasId(msb, lsb) && row.sequence() == r.link().sequence()) {
                    return row;
                }
            }
            return null;
        }

        /** Forgets lock objects of subjects that still have no entries (no identifier lingers), then unlocks. */
        void release() {
            for (SubjectLog l : locked.values()) {
                if (l.count == 0 && !l.removed) {
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
