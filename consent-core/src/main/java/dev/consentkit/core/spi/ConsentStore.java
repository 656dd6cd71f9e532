package dev.consentkit.core.spi;

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
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.core.internal.ChainReplay;
import dev.consentkit.core.internal.StateVerifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where records live. Each operation is shaped so that a database store does it in one round trip or
 * one transaction: writes are units of work over a {@link StoreTransaction}, reads are single queries or
 * streams. Implementations must be thread-safe and must serialise writers of one subject (a row
 * lock on the chain head, not a JVM lock, when several application instances share the store).
 *
 * <p>Failures are reported as {@link dev.consentkit.core.ConsentStoreException} with the
 * {@link dev.consentkit.core.ConsentStoreException#outcome() outcome} the store can vouch for: a write that
 * failed before or during its transaction, or whose transaction rolled back, is
 * {@link dev.consentkit.core.ConsentStoreException.Outcome#NOT_WRITTEN NOT_WRITTEN}; a write whose commit was in
 * flight when the connection was lost is {@link dev.consentkit.core.ConsentStoreException.Outcome#UNKNOWN UNKNOWN},
 * and ConsentKit's chain protocol then looks its entries up with {@link #entryIdsAmong} once the subjects' locks
 * can be had again, and reports the write as written or not.
 */
public interface ConsentStore {

    /**
     * Runs {@code work} in one write transaction: commits when it returns, rolls back when it throws (and then
     * rethrows its exception unchanged). A store may retry the whole unit of work after a serialization failure,
     * a deadlock or a lost race on a unique key; {@code work} is written to be run again. When the store joins a
     * transaction the caller controls ({@link #joinsCallerTransaction()}), it neither commits nor rolls back.
     *
     * <p>ConsentKit's chain protocol (in the manager) is the only caller: stores implement the operations of
     * {@link StoreTransaction} and never plan, seal or decide themselves.
     *
     * @param operation names the write in a {@link dev.consentkit.core.ConsentStoreException}
     */
    <T> T inWriteTransaction(String operation, StoreWork<T> work);

    /** The subject's current state, or empty if the store holds nothing for it. One round trip. */
    Optional<SubjectState> state(String tenant, SubjectId subject);

    /**
     * The subject's current records on {@code purposes} only (absent purposes have none): what a single
     * {@code check} needs. An erased subject's identifier has no records. The default filters {@link #state};
     * database stores answer with one narrow query.
     */
    default Map<PurposeId, ConsentRecord> currentRecords(
            String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        Map<PurposeId, ConsentRecord> current =
                state(tenant, subject).map(SubjectState::current).orElse(Map.of());
        Map<PurposeId, ConsentRecord> result = new LinkedHashMap<>();
        for (PurposeId p : purposes) {
            ConsentRecord r = current.get(p);
            if (r != null) {
                result.put(p, r);
            }
        }
        return result;
    }

    /**
     * The record in force among the subject's current records on {@code purposes} (a purpose and its ancestors):
     * the latest by effective time, then by chain sequence ({@link SubjectState#supersedes}); empty if the subject
     * has none on them (an erased subject's identifier has none). What a single {@code check} decides from. The
     * default picks it from {@link #currentRecords(String, SubjectId, Collection)}; database stores pick it in
     * the query and read that one record only.
     */
    default Optional<ConsentRecord> recordInForce(String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        ConsentRecord best = null;
        for (ConsentRecord r : currentRecords(tenant, subject, purposes).values()) {
            if (best == null || SubjectState.supersedes(r, best)) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The current records of many subjects on {@code purposes} only, for bulk filtering
     * ({@code filterAllowed}): subjects without a record on any of them are absent. An erased subject's
     * identifier has none. The default narrows {@link #states}; database stores read only those rows.
     */
    default Map<SubjectId, Map<PurposeId, ConsentRecord>> currentRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        Map<SubjectId, Map<PurposeId, ConsentRecord>> result = new LinkedHashMap<>();
        states(tenant, subjects).forEach((subject, state) -> {
            Map<PurposeId, ConsentRecord> narrowed = new LinkedHashMap<>();
            for (PurposeId p : purposes) {
                ConsentRecord r = state.current().get(p);
                if (r != null) {
                    narrowed.put(p, r);
                }
            }
            if (!narrowed.isEmpty()) {
                result.put(subject, narrowed);
            }
        });
        return result;
    }

    /**
     * The deciding values of many subjects' current records on {@code purposes} only: what {@code filterAllowed}
     * reads. Subjects without a record on any of them are absent; an erased subject's identifier has none. The
     * default narrows {@link #currentRecords(String, Collection, Collection)}; database stores read the deciding
     * values of those state rows only, one statement per chunk of subjects.
     */
    default Map<SubjectId, List<DecidingRecord>> decidingRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        Map<SubjectId, List<DecidingRecord>> result = new LinkedHashMap<>();
        currentRecords(tenant, subjects, purposes)
                .forEach((subject, records) -> result.put(
                        subject,
                        records.values().stream().map(DecidingRecord::of).toList()));
        return result;
    }

    /**
     * Streams the subjects of {@code tenant} with their current records on {@code purposes} (a purpose and its
     * ancestors): what {@code allowedSubjects} decides from, without a list of candidates. With
     * {@code everySubject} every subject the store holds a chain for is streamed, also those without a record on
     * these purposes (a purpose that allows without a record needs them); without it only subjects with at least
     * one such record. Each subject comes once (in the order of {@link #chains} for the default; the shipped stores
     * order by subject id); erased subjects come under their pseudonym with {@link SubjectRecords#erased()} set. The stream may hold a database cursor: callers must close it.
     *
     * <p>The default replays {@link #chains} (one stream, no query per subject); database stores read their state
     * rows of those purposes in one statement.
     */
    default Stream<SubjectRecords> audience(String tenant, Collection<PurposeId> purposes, boolean everySubject) {
        Stream<AuditEntry> entries = chains(tenant, Optional.empty());
        return ChainReplay.audience(entries, Set.copyOf(purposes), everySubject);
    }

    /**
     * The current state of many subjects at once, for bulk filtering; subjects without entries are absent
     * from the result. The default calls {@link #state} per subject; database stores answer set-based.
     */
    default Map<SubjectId, SubjectState> states(String tenant, Collection<SubjectId> subjects) {
        Map<SubjectId, SubjectState> result = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            state(tenant, s).ifPresent(st -> result.put(s, st));
        }
        return result;
    }

    /** The subject's current preferences by key. */
    Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject);

    /**
     * Which of {@code entryIds} name entries the store holds (committed) in {@code tenant}: how ConsentKit's chain
     * protocol tells whether a write whose commit was in doubt was written. {@code subject} is the chain the entries
     * were written to. The default reads that subject's history; database stores look the ids up across the tenant
     * (an erasure may since have moved the entries under a pseudonym).
     */
    default Set<UUID> entryIdsAmong(String tenant, SubjectId subject, Collection<UUID> entryIds) {
        Set<UUID> wanted = Set.copyOf(entryIds);
        Set<UUID> found = new HashSet<>();
        try (Stream<AuditEntry> entries = history(tenant, HistoryQuery.forSubject(subject.value()))) {
            entries.forEach(e -> {
                if (wanted.contains(e.id())) {
                    found.add(e.id());
                }
            });
        }
        return found;
    }

    /** One consent record by id. */
    Optional<ConsentRecord> findRecord(String tenant, UUID id);

    /**
     * Streams entries matching {@code query} in append order (for one subject: by sequence). The stream may
     * hold a database cursor: callers must close it.
     */
    Stream<AuditEntry> history(String tenant, HistoryQuery query);

    /**
     * Streams entries for chain verification, grouped by subject and ordered by sequence within a subject;
     * {@code subject} narrows it to one subject. Must be closed.
     */
    Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject);

    /**
     * Recomputes the chains of a tenant (or one subject) with ConsentKit's chain verification, and from each intact
     * chain the subject's current records, preferences and erased flag, which it compares with what the store
     * holds. The default streams {@link #chains} and looks each subject's head, {@link #state} and
     * {@link #preferences} up; database stores read them with the entries instead of with queries per subject, and
     * also report heads without entries and rows that cannot be read as entries.
     */
    default VerificationReport verify(String tenant, Optional<SubjectId> subject) {
        try (Stream<AuditEntry> entries = chains(tenant, subject)) {
            return AuditChain.verifyRows(
                    entries.map(StateVerifier.Row::of),
                    (t, s) -> StateVerifier.Stored.of(head(t, s), state(t, s), preferences(t, s)));
        }
    }

    /**
     * For every chain of the tenant that has an entry recorded at or before {@code until}, the sequence number and
     * hash of its last such entry (the highest sequence among them), ordered by hash (as {@link String#compareTo}
     * orders lower-case hex): the leaves of a {@link Checkpoint}. Read from the log, never from the heads, so that
     * the same leaves come back for as long as nothing recorded by {@code until} is removed. Must be closed. The
     * default walks {@link #chains} and sorts the leaves in memory (one small record per chain); database stores
     * answer with one sorted query read through a cursor.
     */
    default Stream<CheckpointLeaf> checkpointLeaves(String tenant, Instant until) {
        List<CheckpointLeaf> leaves = new ArrayList<>();
        try (Stream<AuditEntry> entries = chains(tenant, Optional.empty())) {
            SubjectId current = null;
            CheckpointLeaf last = null;
            for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
                AuditEntry e = it.next();
                if (!e.subject().equals(current)) {
                    if (last != null) {
                        leaves.add(last);
                    }
                    current = e.subject();
                    last = null;
                }
                if (!e.recordedAt().isAfter(until) && (last == null || e.link().sequence() > last.sequence())) {
                    last = new CheckpointLeaf(e.link().sequence(), e.link().hash());
                }
            }
            if (last != null) {
                leaves.add(last);
            }
        }
        leaves.sort(Comparator.comparing(CheckpointLeaf::hash));
        return leaves.stream();
    }

    /** Keeps a checkpoint in the store's own list ({@link #checkpoints}). The default keeps nothing. */
    default void saveCheckpoint(Checkpoint checkpoint) {}

    /**
     * The checkpoints the store kept for {@code tenant}, oldest first. The default has none. A database's own list
     * proves nothing against whoever can edit the database: the auditor's copies do.
     */
    default List<Checkpoint> checkpoints(String tenant) {
        return List.of();
    }

    /** The chain head the store recorded for a subject. */
    Optional<ChainLink> head(String tenant, SubjectId subject);

    /**
     * Whether a write made now, on the calling thread, would join a transaction the caller controls (and so is not
     * committed when the write returns). The manager asks this, after a write, only when it has listeners and no
     * {@link CommitHook} took them, so that listeners never hear of a write that may still roll back. The default,
     * for stores that always commit their own writes, is {@code false}.
     */
    default boolean joinsCallerTransaction() {
        return false;
    }

    /** Keeps every purpose version the manager was built with, for auditors. The default keeps nothing. */
    default void savePurposes(String tenant, Collection<Purpose> purposes) {}
}
