package dev.consentkit.core;

import dev.consentkit.core.spi.AppendRequest;
import dev.consentkit.core.spi.AppendResult;
import dev.consentkit.core.spi.AuditChain;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.SubjectState;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A thread-safe {@link ConsentStore} in the JVM's memory: for tests, demos and applications that keep
 * consent elsewhere durable. Writers of one subject are serialised by a per-subject lock; readers never
 * block (each subject's current state is an immutable snapshot). {@link #appendAll} is atomic. Nothing
 * survives a restart.
 */
public final class InMemoryConsentStore implements ConsentStore {

    private final ConcurrentHashMap<Key, SubjectLog> subjects = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, AuditEntry> log = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<IdempotencyKey, ConsentRecord> idempotency = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Key> recordIndex = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<Purpose>> purposes = new ConcurrentHashMap<>();
    private final AtomicLong positions = new AtomicLong();
    /** Serialises writers that carry idempotency keys, so check-then-insert of a key is atomic across subjects. */
    private final ReentrantLock idempotencyLock = new ReentrantLock();

    @Override
    public AppendResult append(AppendRequest request) {
        return appendAll(List.of(request)).get(0);
    }

    @Override
    public List<AppendResult> appendAll(List<AppendRequest> requests) {
        while (true) {
            List<SubjectLog> locked = lockAll(requests.stream().map(r -> new Key(r.tenant(), r.subject())).toList());
            try {
                if (locked.stream().anyMatch(l -> l.removed)) {
                    continue; // erased concurrently: look the subjects up again
                }
                boolean keyed = requests.stream().anyMatch(r -> r.idempotencyKey().isPresent());
                if (!keyed) {
                    return appendLocked(requests);
                }
                idempotencyLock.lock();
                try {
                    return appendLocked(requests);
                } finally {
                    idempotencyLock.unlock();
                }
            } finally {
                forgetEmpty(locked);
                locked.forEach(l -> l.lock.unlock());
            }
        }
    }

    /** Drops the lock objects of subjects that still have no entries, so no identifier lingers for nothing. */
    private void forgetEmpty(List<SubjectLog> locked) {
        for (SubjectLog l : locked) {
            if (l.entries.isEmpty() && !l.removed) {
                l.removed = true;
                subjects.remove(l.key, l);
            }
        }
    }

    private List<AppendResult> appendLocked(List<AppendRequest> requests) {
        Map<Key, Working> working = new HashMap<>();
        List<IdempotencyKey> reserved = new ArrayList<>();
        List<AppendResult> results = new ArrayList<>(requests.size());
        try {
            for (AppendRequest request : requests) {
                Key key = new Key(request.tenant(), request.subject());
                Working w = working.computeIfAbsent(key, k -> new Working(Objects.requireNonNull(subjects.get(k))));
                if (request.idempotencyKey().isPresent()) {
                    IdempotencyKey ik = new IdempotencyKey(request.tenant(), request.idempotencyKey().get());
                    ConsentRecord earlier = idempotency.get(ik);
                    if (earlier != null) {
                        results.add(new AppendResult(List.of(earlier), true));
                        continue;
                    }
                }
                if (w.state.head().isEmpty() && erasedUnder(request)) {
                    // erased concurrently (or before): the plan sees an erased subject and nothing is stored
                    List<AuditEntry> refused = request.plan().plan(new SubjectState(request.tenant(),
                            request.subject(), Optional.empty(), Map.of(), true));
                    if (!refused.isEmpty()) {
                        throw new IllegalStateException("a write plan returned entries for an erased subject");
                    }
                    results.add(new AppendResult(List.of(), false));
                    continue;
                }
                List<AuditEntry> planned = request.plan().plan(w.state);
                List<AuditEntry> sealed = new ArrayList<>(planned.size());
                for (AuditEntry entry : planned) {
                    AuditEntry s = AuditChain.seal(entry, w.state.head());
                    sealed.add(s);
                    w.add(s);
                }
                if (request.idempotencyKey().isPresent()) {
                    sealed.stream().filter(ConsentRecord.class::isInstance).map(ConsentRecord.class::cast)
                            .findFirst().ifPresent(first -> {
                                IdempotencyKey ik = new IdempotencyKey(request.tenant(), request.idempotencyKey().get());
                                idempotency.put(ik, first);
                                reserved.add(ik);
                            });
                }
                results.add(new AppendResult(sealed, false));
            }
        } catch (RuntimeException e) {
            reserved.forEach(idempotency::remove);
            throw e;
        }
        working.values().forEach(Working::commit);
        return results;
    }

    private boolean erasedUnder(AppendRequest request) {
        return request.pseudonym()
                .map(p -> subjects.get(new Key(request.tenant(), p)))
                .map(l -> l.state.erased())
                .orElse(false);
    }

    private List<SubjectLog> lockAll(List<Key> keys) {
        List<Key> ordered = keys.stream().distinct().sorted().toList();
        List<SubjectLog> locked = new ArrayList<>(ordered.size());
        for (Key k : ordered) {
            SubjectLog l = subjects.computeIfAbsent(k, SubjectLog::new);
            l.lock.lock();
            locked.add(l);
        }
        return locked;
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
    public Map<PurposeId, ConsentRecord> currentStatements(String tenant, SubjectId subject,
                                                           Collection<PurposeId> purposes) {
        SubjectLog l = subjects.get(new Key(tenant, subject));
        if (l == null || l.state.head().isEmpty()) {
            return Map.of();
        }
        return new Narrowed(l.state.current(), purposes);
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
            return l.entries.stream().filter(e -> e.id().equals(id) && e instanceof ConsentRecord)
                    .map(ConsentRecord.class::cast).findFirst();
        } finally {
            l.lock.unlock();
        }
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        if (query.subject().isPresent()) {
            return snapshot(new Key(tenant, query.subject().get())).stream().filter(query::matches);
        }
        return log.values().stream().filter(e -> e.tenant().equals(tenant) && query.matches(e));
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        if (subject.isPresent()) {
            return snapshot(new Key(tenant, subject.get())).stream();
        }
        return subjects.keySet().stream().filter(k -> k.tenant.equals(tenant)).sorted()
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
    public Optional<ErasureRecord> erase(String tenant, SubjectId subject, SubjectId pseudonym,
                                         Function<SubjectState, ErasureRecord> erasure) {
        Key key = new Key(tenant, subject);
        Key target = new Key(tenant, pseudonym);
        while (true) {
            List<SubjectLog> locked = lockAll(List.of(key, target));
            try {
                SubjectLog source = subjects.get(key);
                SubjectLog moved = subjects.get(target);
                if (source == null || moved == null || source.removed || moved.removed) {
                    continue;
                }
                if (source.entries.isEmpty()) {
                    return Optional.empty();
                }
                Working w = new Working(moved);
                for (AuditEntry e : source.entries) {
                    w.add(e.erased(pseudonym));
                }
                ErasureRecord sealed = (ErasureRecord) AuditChain.seal(erasure.apply(w.state), w.state.head());
                w.add(sealed);
                // the pseudonymised entries keep their places in the log; the erasure entry is appended
                for (int i = 0; i < source.entries.size(); i++) {
                    AuditEntry e = w.added.get(i);
                    long position = source.positions.get(i);
                    moved.entries.add(e);
                    moved.positions.add(position);
                    log.put(position, e);
                    recordIndex.put(e.id(), target);
                    if (source.entries.get(i) instanceof ConsentRecord r) {
                        r.idempotencyKey().ifPresent(k -> idempotency.remove(new IdempotencyKey(tenant, k)));
                    }
                }
                long position = positions.incrementAndGet();
                moved.entries.add(sealed);
                moved.positions.add(position);
                log.put(position, sealed);
                moved.preferences = Map.copyOf(w.preferences);
                moved.state = w.state;
                source.removed = true;
                subjects.remove(key, source);
                return Optional.of(sealed);
            } finally {
                locked.forEach(l -> l.lock.unlock());
            }
        }
    }

    @Override
    public void savePurposes(String tenant, Collection<Purpose> declared) {
        purposes.merge(tenant, List.copyOf(declared), (a, b) -> {
            List<Purpose> all = new ArrayList<>(a);
            b.stream().filter(p -> !all.contains(p)).forEach(all::add);
            return List.copyOf(all);
        });
    }

    /** Every purpose version saved for {@code tenant}. */
    public List<Purpose> savedPurposes(String tenant) {
        return purposes.getOrDefault(tenant, List.of());
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

    private record IdempotencyKey(String tenant, String key) {
    }

    /** One subject's entries, guarded by {@link #lock}; {@link #state} is published for lock-free reads. */
    private static final class SubjectLog {
        final ReentrantLock lock = new ReentrantLock();
        final Key key;
        final List<AuditEntry> entries = new ArrayList<>();
        final List<Long> positions = new ArrayList<>();
        volatile SubjectState state;
        volatile Map<String, PreferenceRecord> preferences = Map.of();
        boolean removed;

        SubjectLog(Key key) {
            this.key = key;
            this.state = SubjectState.empty(key.tenant, key.subject);
        }
    }

    /** Changes to one subject planned under its lock, applied by {@link #commit()} only when all succeeded. */
    private final class Working {
        final SubjectLog target;
        final List<AuditEntry> added = new ArrayList<>();
        final Map<PurposeId, ConsentRecord> current;
        final Map<String, PreferenceRecord> preferences;
        SubjectState state;
        boolean erased;

        Working(SubjectLog target) {
            this.target = target;
            this.state = target.state;
            this.erased = target.state.erased();
            this.current = new TreeMap<>(target.state.current());
            this.preferences = new LinkedHashMap<>(target.preferences);
        }

        void add(AuditEntry e) {
            added.add(e);
            if (e instanceof ConsentRecord r) {
                ConsentRecord existing = current.get(r.purpose());
                if (existing == null || SubjectState.supersedes(r, existing)) {
                    current.put(r.purpose(), r);
                }
            } else if (e instanceof PreferenceRecord p) {
                preferences.put(p.key(), p);
            } else if (e instanceof ErasureRecord) {
                erased = true;
            }
            state = new SubjectState(state.tenant(), state.subject(), Optional.of(e.link()), current, erased);
        }

        void commit() {
            for (int i = 0; i < added.size(); i++) {
                AuditEntry e = added.get(i);
                long position = positions.incrementAndGet();
                target.entries.add(e);
                target.positions.add(position);
                log.put(position, e);
                if (e instanceof ConsentRecord) {
                    recordIndex.put(e.id(), target.key);
                }
            }
            target.preferences = Map.copyOf(preferences);
            target.state = state;
        }
    }
}
