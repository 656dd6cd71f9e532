package dev.consentkit.core.spi;

import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a store does inside one write transaction, and nothing more: ConsentKit's chain protocol (idempotency,
 * the erased-pseudonym rule, the write plan, sealing after the chain head, moving state, preferences and head)
 * runs once, in core, on top of these operations, so a store cannot get the chain wrong.
 *
 * <p>Every operation runs in the transaction {@link ConsentStore#inWriteTransaction} opened; what
 * {@link #write} stores becomes visible to readers only when that transaction commits, and not at all if it
 * fails. Implementations need not be thread-safe: one transaction is used by one thread.
 */
public interface StoreTransaction {

    /**
     * Locks the subjects for writing, in the order given (the protocol sorts them, so that concurrent
     * transactions cannot deadlock), and returns the state of each: its chain head, its current record per
     * purpose and its erased flag; {@link SubjectState#empty} for a subject the store has never seen. The lock
     * is held until the transaction ends and must serialise writers across application instances (a row lock,
     * not a JVM lock, when several instances share the store). A subject without a row may be locked by
     * inserting a row without a head unless one exists, and locking that (the JDBC store does; it removes the row
     * again if nothing is written), or by the insert of its row in {@link #write}, a concurrent first writer then
     * failing and the store retrying.
     */
    Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects);

    /**
     * {@link #lock(String, List)} for a write whose plans read and write the records on {@code purposes} only: each
     * returned state's {@link SubjectState#current()} must hold the subject's current record on every one of
     * {@code purposes} that has one, and may leave out (or hold) the others; head, its recorded time and the
     * erased flag are as for the whole state. The protocol asks for the purposes its plans name (a grant's purpose,
     * its ancestors and the purposes it covers with their ancestors), so that a database store reads those rows
     * only. The default locks and returns the whole state.
     */
    default Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects, Set<PurposeId> purposes) {
        return lock(tenant, subjects);
    }

    /** Which of {@code pseudonyms} name an erased chain in {@code tenant}. */
    Set<SubjectId> erasedAmong(String tenant, Collection<SubjectId> pseudonyms);

    /**
     * The consent records that carry one of {@code idempotencyKeys} in {@code tenant}, by key, each with the command
     * digest {@link #write} stored with it ({@link SubjectChanges#commandDigests}; empty for a record stored
     * without one). The protocol compares the digests: the same key with another command is refused. A key looked
     * up here must stay unique until the transaction ends (a unique index, or a lock that serialises writers with
     * keys).
     */
    Map<String, KeyedRecord> recordsByIdempotencyKey(String tenant, Collection<String> idempotencyKeys);

    /** A locked subject's current preferences by key (read only when a preference is written). */
    Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject);

    /**
     * Replaces {@code subject} by {@code pseudonym} in every entry, state, preference and head row of the
     * locked subject and strips the entries' personal fields (see
     * {@link dev.consentkit.core.AuditEntry#erased}); entries keep their places in the log. After this the
     * protocol appends the erasure entry under {@code pseudonym} with {@link #write}.
     */
    void pseudonymise(String tenant, SubjectId subject, SubjectId pseudonym);

    /**
     * Stores the prepared rows: each subject's sealed entries (in order; with their outbox rows where the store
     * has an outbox), the current records and preferences that changed, and the new chain head.
     */
    void write(List<SubjectChanges> changes);
}
