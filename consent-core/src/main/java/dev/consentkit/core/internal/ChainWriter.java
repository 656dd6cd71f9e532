package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.IdempotencyConflictException;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.KeyedRecord;
import dev.consentkit.core.spi.StoreTransaction;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectChanges;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. ConsentKit's append protocol, written once for every store: inside
 * one {@link ConsentStore#inWriteTransaction write transaction} it locks the subjects in a fixed order, looks
 * the idempotency keys up, applies the erased-pseudonym rule, runs each request's write plan on the locked
 * state, stamps every planned entry after its subject's chain head (time never runs backwards along a chain,
 * whatever the writers' clocks say: see {@link ChainTimeline}) and seals it there, and hands the store the rows to write.
 * Stores only carry out the {@link StoreTransaction} operations.
 */
public final class ChainWriter {

    private final ConsentStore store;
    private final ChainTimeline timeline;
    /** Settles a write whose commit was in doubt (a connection lost at commit) by looking its entries up. */
    private final InDoubtWrites inDoubt;

    /** A writer whose entries keep time running forward along each chain with {@code timeline}. */
    public ChainWriter(ConsentStore store, ChainTimeline timeline) {
        this.store = store;
        this.timeline = timeline;
        this.inDoubt = new InDoubtWrites(store);
    }

    /** A writer with {@link ChainTimeline#withDefaults()}. */
    public ChainWriter(ConsentStore store) {
        this(store, ChainTimeline.withDefaults());
    }

    /** {@link #appendAll} for one request. */
    public AppendResult append(AppendRequest request) {
        return appendAll(List.of(request)).get(0);
    }

    /**
     * Appends the requests as one unit: all are written or none. Requests for the same subject see each other's
     * entries in order. An idempotency key names one command: for a request whose key is already stored in its
     * tenant with the same command digest (or with none, for records stored before digests were kept) the earlier
     * record is returned and nothing is written for it; with another digest the whole unit is refused with
     * {@link IdempotencyConflictException} and nothing is written. Two requests of one unit may not carry the
     * same key. A commit in doubt is settled by looking the written entries up (see {@link InDoubtWrites}):
     * found, this returns as if it had committed.
     *
     * @throws IllegalArgumentException if two requests carry the same idempotency key in one tenant
     */
    public List<AppendResult> appendAll(List<AppendRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        Set<Key> keys = new HashSet<>();
        for (AppendRequest r : requests) {
            if (r.idempotencyKey().isPresent()
                    && !keys.add(new Key(r.tenant(), r.idempotencyKey().get()))) {
                throw new IllegalArgumentException("two requests of one batch carry the same idempotency key");
            }
        }
        return inDoubt.write("append", tx -> appendIn(tx, requests), ChainWriter::writtenBy);
    }

    /** The entries the results wrote: none for a replayed idempotency key. */
    private static List<AuditEntry> writtenBy(List<AppendResult> results) {
        List<AuditEntry> written = new ArrayList<>();
        for (AppendResult r : results) {
            if (!r.replayed()) {
                written.addAll(r.entries());
            }
        }
        return written;
    }

    /**
     * Seals {@code entry} after the working subject's head. Time never runs backwards along a chain: the entry is
     * first stamped after the head's recorded time (see {@link ChainTimeline}), then hashed with that time.
     */
    private AuditEntry sealAfterHead(AuditEntry entry, Working w, boolean keepsEffectiveTime) {
        return AuditChain.seal(timeline.after(entry, w.headRecordedAt, keepsEffectiveTime), w.head);
    }

    private List<AppendResult> appendIn(StoreTransaction tx, List<AppendRequest> requests) {
        Map<Key, Working> working = lockAll(tx, requests);
        Map<Key, KeyedRecord> earlier = recordsByIdempotencyKey(tx, requests);
        List<AppendResult> results = new ArrayList<>(requests.size());
        for (AppendRequest r : requests) {
            Working w = Objects.requireNonNull(working.get(new Key(r.tenant(), r.subject())));
            KeyedRecord known = r.idempotencyKey()
                    .map(k -> earlier.get(new Key(r.tenant(), k)))
                    .orElse(null);
            if (known != null) {
                if (!sameCommand(known, r)) {
                    throw new IdempotencyConflictException();
                }
                results.add(new AppendResult(List.of(known.record()), true));
                continue;
            }
            List<AuditEntry> planned = r.plan().plan(w.snapshot());
            if (!planned.isEmpty() && w.erasedUnderPseudonym) {
                throw new IllegalStateException("a write plan returned entries for an erased subject");
            }
            Optional<Set<PurposeId>> reads = r.plan().reads();
            if (reads.isPresent()
                    && planned.stream()
                            .anyMatch(e ->
                                    e instanceof ConsentRecord c && !reads.get().contains(c.purpose()))) {
                // the lock read the current records of the declared purposes only: the write would misplace its row
                throw new IllegalStateException("a write plan wrote a record on a purpose it did not declare");
            }
            List<AuditEntry> sealed = new ArrayList<>(planned.size());
            for (AuditEntry e : planned) {
                AuditEntry s = sealAfterHead(e, w, r.keptEffectiveTimes().contains(e.id()));
                w.add(tx, s);
                sealed.add(s);
            }
            if (r.idempotencyKey().isPresent() && r.commandDigest().isPresent()) {
                // the digest goes with the key, onto the first record that carries it
                for (AuditEntry s : sealed) {
                    if (s instanceof ConsentRecord first
                            && first.idempotencyKey().equals(r.idempotencyKey())) {
                        w.commandDigests.put(first.id(), r.commandDigest().get());
                        break;
                    }
                }
            }
            results.add(new AppendResult(sealed, false));
        }
        // rows go to the store in the order the requests named their subjects, so the log keeps the batch's order
        Set<Working> inRequestOrder = new LinkedHashSet<>();
        for (AppendRequest r : requests) {
            inRequestOrder.add(working.get(new Key(r.tenant(), r.subject())));
        }
        List<SubjectChanges> changes = new ArrayList<>();
        for (Working w : inRequestOrder) {
            if (!w.appended.isEmpty()) {
                changes.add(w.changes());
            }
        }
        if (!changes.isEmpty()) {
            tx.write(changes);
        }
        return results;
    }

    /**
     * Locks every subject of the batch, tenant by tenant, in sorted order, reading the current records of the
     * purposes the tenant's plans declare (every purpose when one plan declares none). A subject the store has never seen
     * whose pseudonym names an erased chain gets an erased state: its plan must refuse, and nothing is stored
     * under the identifier, so a write racing an erasure cannot bring the identifier back.
     */
    private static Map<Key, Working> lockAll(StoreTransaction tx, List<AppendRequest> requests) {
        Map<String, Map<SubjectId, Optional<SubjectId>>> byTenant = new TreeMap<>();
        // per tenant the purposes the plans read; absent once a plan reads every purpose
        Map<String, Optional<Set<PurposeId>>> readsByTenant = new HashMap<>();
        for (AppendRequest r : requests) {
            byTenant.computeIfAbsent(r.tenant(), t -> new TreeMap<>())
                    .merge(r.subject(), r.pseudonym(), (a, b) -> a.isPresent() ? a : b);
            Optional<Set<PurposeId>> reads = r.plan().reads();
            readsByTenant.merge(r.tenant(), reads.map(s -> (Set<PurposeId>) new TreeSet<>(s)), (a, b) -> {
                if (a.isEmpty() || b.isEmpty()) {
                    return Optional.empty();
                }
                a.get().addAll(b.get());
                return a;
            });
        }
        Map<Key, Working> working = new HashMap<>();
        byTenant.forEach((tenant, subjects) -> {
            List<SubjectId> ordered = List.copyOf(subjects.keySet());
            Optional<Set<PurposeId>> reads = readsByTenant.getOrDefault(tenant, Optional.empty());
            Map<SubjectId, SubjectState> states =
                    reads.isPresent() ? tx.lock(tenant, ordered, reads.get()) : tx.lock(tenant, ordered);
            Map<SubjectId, SubjectId> unseenByPseudonym = new HashMap<>();
            subjects.forEach((subject, pseudonym) -> {
                SubjectState state = states.get(subject);
                if ((state == null || state.head().isEmpty()) && pseudonym.isPresent()) {
                    unseenByPseudonym.put(pseudonym.get(), subject);
                }
            });
            Set<SubjectId> erased =
                    unseenByPseudonym.isEmpty() ? Set.of() : tx.erasedAmong(tenant, unseenByPseudonym.keySet());
            Set<SubjectId> erasedSubjects = new TreeSet<>();
            erased.forEach(p -> erasedSubjects.add(unseenByPseudonym.get(p)));
            for (SubjectId subject : subjects.keySet()) {
                SubjectState state = states.getOrDefault(subject, SubjectState.empty(tenant, subject));
                Working w = erasedSubjects.contains(subject)
                        ? new Working(
                                new SubjectState(tenant, subject, Optional.empty(), Optional.empty(), Map.of(), true),
                                true)
                        : new Working(state, false);
                working.put(new Key(tenant, subject.value()), w);
            }
        });
        return working;
    }

    /**
     * Whether a request repeats the command stored with its key: the digests are equal, or one side has none (a
     * record stored before digests were kept, or a request that matches by key alone) and the key decides.
     */
    private static boolean sameCommand(KeyedRecord known, AppendRequest r) {
        if (known.commandDigest().isEmpty() || r.commandDigest().isEmpty()) {
            return true;
        }
        return known.commandDigest().get().equals(r.commandDigest().get());
    }

    private static Map<Key, KeyedRecord> recordsByIdempotencyKey(StoreTransaction tx, List<AppendRequest> requests) {
        Map<String, Set<String>> byTenant = new TreeMap<>();
        for (AppendRequest r : requests) {
            // a generated key is new by construction (callers may not use its prefix): nothing to look up, so a
            // write without a caller's key costs no lookup (and, in memory, takes no store-wide lock); a commit in
            // doubt is settled by its entry ids instead (InDoubtWrites)
            r.idempotencyKey()
                    .filter(k -> !IdempotencyKeys.isGenerated(k))
                    .ifPresent(k -> byTenant.computeIfAbsent(r.tenant(), t -> new LinkedHashSet<>())
                            .add(k));
        }
        Map<Key, KeyedRecord> found = new HashMap<>();
        byTenant.forEach((tenant, keys) -> tx.recordsByIdempotencyKey(tenant, keys)
                .forEach((key, record) -> found.put(new Key(tenant, key), record)));
        return found;
    }

    /**
     * Erases a subject in one transaction: locks the subject and its pseudonym, has the store pseudonymise every
     * row of the subject, then appends the entry {@code erasure} builds from the pseudonymised state, sealed on
     * the same chain. Empty if the store holds nothing for the subject. A commit in doubt is settled like an
     * append's, by looking the erasure entry up under the pseudonym.
     */
    public Optional<ErasureRecord> erase(
            String tenant, SubjectId subject, SubjectId pseudonym, Function<SubjectState, ErasureRecord> erasure) {
        StoreWork<Optional<ErasureRecord>> work = tx -> {
            List<SubjectId> both = new ArrayList<>(new TreeSet<>(List.of(subject, pseudonym)));
            SubjectState state = tx.lock(tenant, both).get(subject);
            if (state == null || state.head().isEmpty()) {
                return Optional.<ErasureRecord>empty();
            }
            tx.pseudonymise(tenant, subject, pseudonym);
            Map<PurposeId, ConsentRecord> current = new HashMap<>();
            state.current().forEach((purpose, r) -> current.put(purpose, (ConsentRecord) r.erased(pseudonym)));
            Working w = new Working(
                    new SubjectState(tenant, pseudonym, state.head(), state.headRecordedAt(), current, state.erased()),
                    false);
            w.known = true;
            ErasureRecord sealed = (ErasureRecord) sealAfterHead(erasure.apply(w.snapshot()), w, false);
            w.add(tx, sealed);
            tx.write(List.of(w.changes()));
            return Optional.of(sealed);
        };
        return inDoubt.write(
                "erase", work, erased -> erased.<List<AuditEntry>>map(List::of).orElse(List.of()));
    }

    /** A tenant and a name in it (a subject id or an idempotency key). */
    private record Key(String tenant, String name) {
        Key(String tenant, SubjectId subject) {
            this(tenant, subject.value());
        }
    }

    /** One locked subject during the transaction: its moving state and the rows that changed. */
    private static final class Working {
        final String tenant;
        final SubjectId subject;
        final boolean erasedUnderPseudonym;
        boolean known;
        Optional<ChainLink> head;
        Optional<Instant> headRecordedAt;
        boolean erased;
        final Map<PurposeId, ConsentRecord> current;
        final Set<PurposeId> hadRecord;
        final Set<PurposeId> recordsChanged = new LinkedHashSet<>();

        @Nullable
        Map<String, PreferenceRecord> preferences;

        Set<String> hadPreference = Set.of();
        final Set<String> preferencesChanged = new LinkedHashSet<>();
        final List<AuditEntry> appended = new ArrayList<>();
        final Map<UUID, String> commandDigests = new HashMap<>();

        Working(SubjectState state, boolean erasedUnderPseudonym) {
            this.tenant = state.tenant();
            this.subject = state.subject();
            this.erasedUnderPseudonym = erasedUnderPseudonym;
            this.known = state.head().isPresent();
            this.head = state.head();
            this.headRecordedAt = state.headRecordedAt();
            this.erased = state.erased();
            this.current = new HashMap<>(state.current());
            this.hadRecord = Set.copyOf(state.current().keySet());
        }

        SubjectState snapshot() {
            return new SubjectState(tenant, subject, head, headRecordedAt, current, erased);
        }

        /** Applies a sealed entry: the latest record per purpose by effective time, then by sequence, is current. */
        void add(StoreTransaction tx, AuditEntry e) {
            if (e instanceof ConsentRecord r) {
                ConsentRecord existing = current.get(r.purpose());
                if (existing == null || SubjectState.supersedes(r, existing)) {
                    current.put(r.purpose(), r);
                    recordsChanged.add(r.purpose());
                }
            } else if (e instanceof PreferenceRecord p) {
                Map<String, PreferenceRecord> loaded = preferences;
                if (loaded == null) { // read only when a preference is written
                    loaded = new HashMap<>(known ? tx.preferences(tenant, subject) : Map.of());
                    hadPreference = Set.copyOf(loaded.keySet());
                    preferences = loaded;
                }
                loaded.put(p.key(), p);
                preferencesChanged.add(p.key());
            } else if (e instanceof ErasureRecord) {
                erased = true;
            }
            head = Optional.of(e.link());
            headRecordedAt = Optional.of(e.recordedAt());
            appended.add(e);
        }

        SubjectChanges changes() {
            Set<PurposeId> added = new LinkedHashSet<>();
            Set<PurposeId> replaced = new LinkedHashSet<>();
            for (PurposeId p : recordsChanged) {
                (hadRecord.contains(p) ? replaced : added).add(p);
            }
            Set<String> prefsAdded = new LinkedHashSet<>();
            Set<String> prefsReplaced = new LinkedHashSet<>();
            for (String k : preferencesChanged) {
                (hadPreference.contains(k) ? prefsReplaced : prefsAdded).add(k);
            }
            Map<String, PreferenceRecord> prefs = preferences == null ? Map.of() : preferences;
            return new SubjectChanges(
                    tenant,
                    subject,
                    known,
                    appended,
                    snapshot(),
                    added,
                    replaced,
                    new LinkedHashMap<>(prefs),
                    prefsAdded,
                    prefsReplaced,
                    commandDigests);
        }
    }
}
