package dev.consentkit.core.spi;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.core.internal.StateVerifier;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where records live. Each operation is shaped so that a database store does it in one round trip or
 * one transaction: writes are units of work over a {@link StoreTransaction}, reads are single queries or
 * streams. Implementations must be thread-safe and must serialise writers of one subject (a row
 * lock on the chain head, not a JVM lock, when several application instances share the store).
 *
 * <p>Failures are reported as {@link dev.consentkit.core.ConsentStoreException}; a failed write leaves
 * nothing written.
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
