package dev.consentkit.jdbc.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.KeyedRecord;
import dev.consentkit.core.spi.StoreTransaction;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectChanges;
import dev.consentkit.core.spi.SubjectState;
import dev.consentkit.jdbc.OutboxEventFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
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
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The store's side of ConsentKit's chain protocol inside one write
 * transaction, over that transaction's connection: row locks with {@code SELECT ... FOR UPDATE}, lookups, the
 * erasure's updates, and the prepared rows written as one batch per statement.
 *
 * <p>A subject without a row is locked by inserting its row without a head ({@code head_seq} 0, which every
 * reader takes for "no head") unless it exists, then locking it like any other: a concurrent first writer waits
 * for the lock instead of failing on the primary key. The row gets its head in {@link #write}; a row still
 * without a head when the work ends is deleted in the same transaction, so no subject row remains for a write
 * that wrote nothing.
 */
public final class JdbcTransaction implements StoreTransaction {

    private final Connection c;
    private final Runner parts;
    /** Subjects whose row {@link #lock} found or inserted without a head and {@link #write} has not written yet. */
    private final Set<TenantSubject> headless = new LinkedHashSet<>();
    /** Payloads naming the subjects this transaction wrote or renamed, for {@link #sendChangeNotices}. */
    private final Set<String> changed = new LinkedHashSet<>();

    private JdbcTransaction(Connection c, Runner parts) {
        this.c = c;
        this.parts = parts;
    }

    /** Runs units of work, each in a transaction of its own, with their driver failures handled as the store's. */
    public static final class Runner {
        private final Transactions transactions;
        private final SqlStatements sql;
        private final EntryRows rows;
        private final StoreQueries queries;
        private final Clock clock;
        private final @Nullable ChangeNotices notices;
        private final @Nullable OutboxEventFormat events;

        private final SchemaVersion version;

        /**
         * With {@code notices}, every write also sends PostgreSQL change notifications (see {@link ChangeNotices});
         * with {@code events}, outbox rows carry the event columns.
         */
        public Runner(
                Transactions transactions,
                SqlStatements sql,
                EntryRows rows,
                StoreQueries queries,
                Clock clock,
                SchemaVersion version,
                @Nullable ChangeNotices notices,
                @Nullable OutboxEventFormat events) {
            this.version = version;
            this.events = events;
            this.transactions = transactions;
            this.sql = sql;
            this.rows = rows;
            this.queries = queries;
            this.clock = clock;
            this.notices = notices;
        }

        /** Runs {@code work} with {@link Transactions#inTransaction}; it sees a {@link JdbcTransaction}. */
        public <T> T run(String operation, StoreWork<T> work) {
            return transactions.inTransaction(operation, c -> {
                version.require(c); // tables at schema version 1 fail here, before anything is written
                JdbcTransaction tx = new JdbcTransaction(c, this);
                T result;
                try {
                    result = work.run(tx);
                } catch (UncheckedSql e) {
                    tx.deleteHeadlessQuietly();
                    throw e.getCause();
                } catch (RuntimeException | Error e) {
                    tx.deleteHeadlessQuietly();
                    throw e;
                }
                tx.deleteHeadless();
                tx.sendChangeNotices();
                return result;
            });
        }
    }

    /**
     * Locks the subjects' rows in the order given and loads their current state: two statements however many
     * subjects there are, when every subject has a row. Subjects without one get a row without a head (inserted
     * unless a concurrent writer's committed first), which is then locked: two statements more.
     */
    @Override
    public Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects) {
        return lock(tenant, subjects, (List<String>) null);
    }

    /**
     * {@link #lock(String, List)} that reads the current statements on {@code purposes} only (the purposes a write
     * plan reads and writes), instead of the subjects' whole state.
     */
    @Override
    public Map<SubjectId, SubjectState> lock(String tenant, List<SubjectId> subjects, Set<PurposeId> purposes) {
        return lock(
                tenant,
                subjects,
                purposes.stream().map(PurposeId::value).sorted().toList());
    }

    /** Locks the subjects; reads the statements on {@code purposes} (on every purpose when null). */
    private Map<SubjectId, SubjectState> lock(
            String tenant, List<SubjectId> subjects, @Nullable List<String> purposes) {
        return unchecked(() -> {
            Map<SubjectId, Long> locked = lockRows(tenant, subjects);
            List<SubjectId> missing =
                    subjects.stream().filter(s -> !locked.containsKey(s)).toList();
            if (!missing.isEmpty()) {
                Set<SubjectId> insertedHere = insertWithoutHead(tenant, missing);
                // a row this transaction inserted is locked by it already, and has no head: only the rows a
                // concurrent first writer committed in between (or all, where the insert cannot tell) are locked
                List<SubjectId> toLock = new ArrayList<>();
                for (SubjectId s : missing) {
                    if (insertedHere.contains(s)) {
                        locked.put(s, 0L);
                    } else {
                        toLock.add(s);
                    }
                }
                if (!toLock.isEmpty()) {
                    Map<SubjectId, Long> inserted = lockRows(tenant, toLock);
                    if (inserted.size() < toLock.size()) {
                        // an erasure moved the row away between the insert and the lock: the transaction starts again
                        throw new SQLException("a subject row moved while it was being locked", "40001");
                    }
                    locked.putAll(inserted);
                }
            }
            List<SubjectId> withHead = new ArrayList<>();
            locked.forEach((subject, headSeq) -> {
                if (headSeq == 0) {
                    headless.add(new TenantSubject(tenant, subject));
                } else {
                    withHead.add(subject);
                }
            });
            if (withHead.isEmpty()) {
                return Map.of();
            }
            return purposes == null
                    ? parts.queries.states(c, tenant, withHead)
                    : parts.queries.statesOn(c, tenant, withHead, purposes);
        });
    }

    /**
     * Inserts the rows without a head of {@code missing} unless they exist: in one statement where the database
     * has one (a multi-row insert takes {@link SqlStatements#IN_LIST_CHUNK} rows per statement), otherwise as a
     * batch. Returns the subjects whose rows it is known to have inserted; empty where the database cannot tell.
     */
    private Set<SubjectId> insertWithoutHead(String tenant, List<SubjectId> missing) throws SQLException {
        String returning = parts.sql.insertSubjectsIfAbsentReturning();
        if (returning != null) {
            Set<SubjectId> inserted = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(returning)) {
                parts.sql.beforeArrayQuery(ps);
                ps.setString(1, tenant);
                ps.setArray(
                        2,
                        c.createArrayOf(
                                "VARCHAR",
                                missing.stream().map(SubjectId::value).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        inserted.add(new SubjectId(rs.getString(1)));
                    }
                }
            }
            return inserted;
        }
        if (parts.sql.insertSubjectsIfAbsent(1) != null) {
            inMultiRowStatements(missing, parts.sql::insertSubjectsIfAbsent, 2, (ps, first, s) -> {
                ps.setString(first, tenant);
                ps.setString(first + 1, s.value());
            });
            return Set.of();
        }
        try (PreparedStatement ps = c.prepareStatement(parts.sql.insertSubjectIfAbsent())) {
            for (SubjectId s : missing) {
                ps.setString(1, tenant);
                ps.setString(2, s.value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return Set.of();
    }

    /** The subjects' existing rows, locked in the order given, with their {@code head_seq}. */
    private Map<SubjectId, Long> lockRows(String tenant, List<SubjectId> subjects) throws SQLException {
        Map<SubjectId, Long> locked = new LinkedHashMap<>();
        parts.queries.forSubjects(
                c,
                tenant,
                subjects,
                parts.sql::lockSubjects,
                List.of(),
                rs -> locked.put(new SubjectId(rs.getString(1)), rs.getLong(2)));
        return locked;
    }

    /** Deletes the rows {@link #lock} left without a head: nothing was written for those subjects. */
    private void deleteHeadless() throws SQLException {
        if (headless.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(parts.sql.deleteSubjectWithoutHead())) {
            for (TenantSubject ts : headless) {
                ps.setString(1, ts.tenant());
                ps.setString(2, ts.subject().value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        headless.clear();
    }

    /**
     * The change feed's notifications, inside the transaction so that listeners hear of the write when, and only
     * if, it commits: one per subject written or renamed. Nothing without notices configured.
     */
    private void sendChangeNotices() throws SQLException {
        ChangeNotices notices = parts.notices;
        if (notices == null || changed.isEmpty()) {
            return;
        }
        notices.send(c, changed);
        changed.clear();
    }

    /** Notes a subject for {@link #sendChangeNotices}. */
    private void noteChanged(String tenant, SubjectId subject) {
        if (parts.notices != null) {
            changed.add(ChangeNotices.payload(tenant, subject));
        }
    }

    /**
     * {@link #deleteHeadless} after the work failed: its own transaction is rolled back anyway, but a caller's
     * transaction that goes on must not keep the rows.
     */
    private void deleteHeadlessQuietly() {
        try {
            deleteHeadless();
        } catch (SQLException ignored) {
            // the transaction is broken: it cannot commit the rows either
        }
    }

    @Override
    public Set<SubjectId> erasedAmong(String tenant, Collection<SubjectId> pseudonyms) {
        return unchecked(() -> {
            Set<SubjectId> erased = new HashSet<>();
            parts.queries.forSubjects(
                    c,
                    tenant,
                    List.copyOf(pseudonyms),
                    parts.sql::erasedSubjects,
                    List.of(),
                    rs -> erased.add(new SubjectId(rs.getString(1))));
            return erased;
        });
    }

    /** One statement per chunk of keys. */
    @Override
    public Map<String, KeyedRecord> recordsByIdempotencyKey(String tenant, Collection<String> idempotencyKeys) {
        return unchecked(() -> {
            Map<String, KeyedRecord> found = new HashMap<>();
            List<String> keys = idempotencyKeys.stream().distinct().toList();
            for (int from = 0; from < keys.size(); from += SqlStatements.IN_LIST_CHUNK) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + SqlStatements.IN_LIST_CHUNK));
                try (PreparedStatement ps = c.prepareStatement(parts.sql.recordsByIdempotencyKey(chunk.size()))) {
                    parts.sql.beforeKeyLookup(ps);
                    ps.setString(1, tenant);
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ConsentRecord r = (ConsentRecord) parts.rows.read(rs);
                            // rows written before version 2 of the schema have no digest: the key alone matches
                            found.put(
                                    r.idempotencyKey().orElseThrow(),
                                    new KeyedRecord(r, Optional.ofNullable(rs.getString("command_digest"))));
                        }
                    }
                }
            }
            return found;
        });
    }

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        return unchecked(() -> parts.queries.preferences(c, tenant, subject));
    }

    @Override
    public void pseudonymise(String tenant, SubjectId subject, SubjectId pseudonym) {
        noteChanged(tenant, subject);
        noteChanged(tenant, pseudonym);
        uncheckedRun(() -> {
            parts.sql.beforeErasure(c);
            if (headless.remove(new TenantSubject(tenant, pseudonym))) {
                // the subject's row moves to the pseudonym, in place of the row that only locked the name
                try (PreparedStatement ps = c.prepareStatement(parts.sql.deleteSubjectWithoutHead())) {
                    ps.setString(1, tenant);
                    ps.setString(2, pseudonym.value());
                    ps.executeUpdate();
                }
            }
            move(parts.sql.pseudonymiseLog(), tenant, subject, pseudonym);
            for (String statement : parts.sql.pseudonymiseRows()) {
                move(statement, tenant, subject, pseudonym);
            }
            try (PreparedStatement ps = c.prepareStatement(parts.sql.pseudonymiseOutbox())) {
                ps.setString(1, pseudonym.value());
                ps.setInt(2, OutboxPartitions.of(tenant, pseudonym.value()));
                ps.setString(3, tenant);
                ps.setString(4, subject.value());
                ps.executeUpdate();
            }
        });
    }

    private void move(String statement, String tenant, SubjectId from, SubjectId to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setString(1, to.value());
            ps.setString(2, tenant);
            ps.setString(3, from.value());
            ps.executeUpdate();
        }
    }

    /** The entries and their outbox rows, then the state, preference and head rows: one batch per statement. */
    @Override
    public void write(List<SubjectChanges> changes) {
        changes.forEach(ch -> noteChanged(ch.tenant(), ch.subject()));
        uncheckedRun(() -> {
            List<AuditEntry> entries = new ArrayList<>();
            Map<UUID, String> digests = new HashMap<>();
            changes.forEach(ch -> {
                entries.addAll(ch.appended());
                digests.putAll(ch.commandDigests());
            });
            insertEntries(entries, digests);
            writeKeyRows(changes);
            writeHeads(changes);
        });
    }

    private void insertEntries(List<AuditEntry> entries, Map<UUID, String> commandDigests) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(parts.sql.insertLog())) {
            for (AuditEntry e : entries) {
                parts.rows.bind(ps, e, commandDigests.get(e.id()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Instant now = parts.clock.instant().truncatedTo(ChronoUnit.MICROS);
        try (PreparedStatement ps = c.prepareStatement(parts.sql.insertOutbox())) {
            for (AuditEntry e : entries) {
                ps.setString(1, e.tenant());
                ps.setString(2, e.subject().value());
                ps.setString(3, e.id().toString());
                ps.setLong(4, e.link().sequence());
                parts.sql.bindInstant(ps, 5, now);
                ps.setInt(6, OutboxPartitions.of(e.tenant(), e.subject().value()));
                OutboxEventFormat events = parts.events;
                if (events == null) {
                    for (int i = 7; i <= 10; i++) {
                        ps.setNull(i, Types.VARCHAR);
                    }
                } else {
                    ps.setString(7, events.eventType(e));
                    ps.setString(8, events.aggregateType(e));
                    ps.setString(9, events.aggregateId(e));
                    ps.setString(10, events.payload(e));
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * State rows by {@code recordsAdded} / {@code recordsReplaced}, each with the deciding columns of the record it
     * points at, then preference rows likewise.
     */
    private void writeKeyRows(List<SubjectChanges> changes) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(parts.sql.insertState());
                PreparedStatement update = c.prepareStatement(parts.sql.updateState())) {
            int inserts = 0;
            int updates = 0;
            for (SubjectChanges ch : changes) {
                Map<PurposeId, ConsentRecord> current = ch.after().current();
                for (PurposeId p : ch.recordsAdded()) {
                    bindState(insert, ch, Objects.requireNonNull(current.get(p)));
                    inserts++;
                }
                for (PurposeId p : ch.recordsReplaced()) {
                    bindState(update, ch, Objects.requireNonNull(current.get(p)));
                    updates++;
                }
            }
            if (inserts > 0) {
                insert.executeBatch();
            }
            if (updates > 0) {
                update.executeBatch();
            }
        }
        if (changes.stream()
                .allMatch(ch -> ch.preferencesAdded().isEmpty()
                        && ch.preferencesReplaced().isEmpty())) {
            return;
        }
        try (KeyRows preference = new KeyRows(parts.sql.insertPreference(), parts.sql.updatePreference())) {
            for (SubjectChanges ch : changes) {
                Map<String, PreferenceRecord> current = ch.preferences();
                ch.preferencesAdded()
                        .forEach(k -> preference.add(
                                true, Objects.requireNonNull(current.get(k)).id(), ch, k));
                ch.preferencesReplaced()
                        .forEach(k -> preference.add(
                                false, Objects.requireNonNull(current.get(k)).id(), ch, k));
            }
            preference.execute();
        }
    }

    /** Binds and batches a state row of {@link SqlStatements#insertState} or {@link SqlStatements#updateState}. */
    private void bindState(PreparedStatement ps, SubjectChanges ch, ConsentRecord r) throws SQLException {
        ps.setString(1, r.id().toString());
        ps.setString(2, r.status().name());
        ps.setInt(3, r.purposeVersion());
        parts.sql.bindInstant(ps, 4, r.effectiveAt());
        parts.sql.bindInstant(ps, 5, r.expiresAt().orElse(null));
        ps.setBoolean(6, r.conflict());
        ps.setLong(7, r.link().sequence());
        ps.setString(8, ch.tenant());
        ps.setString(9, ch.subject().value());
        ps.setString(10, r.purpose().value());
        ps.addBatch();
    }

    /**
     * The subjects' new heads: updates of the rows they have (locked, or inserted without a head by {@link #lock}),
     * inserts for those without one. Several updates run as one statement where the database has one for them
     * ({@link SqlStatements#updateSubjectsFromArrays}, {@link SqlStatements#updateSubjects}), otherwise as a batch.
     */
    private void writeHeads(List<SubjectChanges> changes) throws SQLException {
        List<SubjectChanges> toUpdate = new ArrayList<>();
        List<SubjectChanges> toInsert = new ArrayList<>();
        for (SubjectChanges ch : changes) {
            boolean rowWithoutHead = headless.remove(new TenantSubject(ch.tenant(), ch.subject()));
            (ch.known() || rowWithoutHead ? toUpdate : toInsert).add(ch);
        }
        if (toUpdate.size() > 1 && parts.sql.updateSubjectsFromArrays() != null) {
            updateHeadsFromArrays(toUpdate);
            toUpdate = List.of();
        } else if (toUpdate.size() > 1 && parts.sql.updateSubjects(1) != null) {
            inMultiRowStatements(toUpdate, parts.sql::updateSubjects, 6, this::bindSubjectRow);
            toUpdate = List.of();
        }
        if (!toUpdate.isEmpty()) {
            try (PreparedStatement update = c.prepareStatement(parts.sql.updateSubject())) {
                for (SubjectChanges ch : toUpdate) {
                    ChainLink head = ch.after().head().orElseThrow();
                    update.setLong(1, head.sequence());
                    update.setString(2, head.hash());
                    update.setBoolean(3, ch.after().erased());
                    parts.sql.bindInstant(update, 4, ch.after().headRecordedAt().orElseThrow());
                    update.setString(5, ch.tenant());
                    update.setString(6, ch.subject().value());
                    update.addBatch();
                }
                update.executeBatch();
            }
        }
        if (!toInsert.isEmpty()) {
            try (PreparedStatement insert = c.prepareStatement(parts.sql.insertSubject())) {
                for (SubjectChanges ch : toInsert) {
                    bindSubjectRow(insert, 1, ch);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }

    /** Binds one row of a multi-row statement from parameter {@code first} on. */
    @FunctionalInterface
    private interface RowBinder<T> {
        void bind(PreparedStatement ps, int first, T row) throws SQLException;
    }

    /**
     * Runs {@code rows} through multi-row statements of at most {@link SqlStatements#IN_LIST_CHUNK} rows each:
     * {@code statement} gives the SQL for a number of rows, each taking {@code width} parameters.
     */
    private <T> void inMultiRowStatements(
            List<T> rows, IntFunction<@Nullable String> statement, int width, RowBinder<T> binder) throws SQLException {
        for (int from = 0; from < rows.size(); from += SqlStatements.IN_LIST_CHUNK) {
            List<T> chunk = rows.subList(from, Math.min(rows.size(), from + SqlStatements.IN_LIST_CHUNK));
            try (PreparedStatement ps = c.prepareStatement(Objects.requireNonNull(statement.apply(chunk.size())))) {
                int first = 1;
                for (T row : chunk) {
                    binder.bind(ps, first, row);
                    first += width;
                }
                ps.executeUpdate();
            }
        }
    }

    /** Binds a subject row as {@link SqlStatements#insertSubject} takes it, from parameter {@code first} on. */
    private void bindSubjectRow(PreparedStatement ps, int first, SubjectChanges ch) throws SQLException {
        ChainLink head = ch.after().head().orElseThrow();
        ps.setString(first, ch.tenant());
        ps.setString(first + 1, ch.subject().value());
        ps.setLong(first + 2, head.sequence());
        ps.setString(first + 3, head.hash());
        ps.setBoolean(first + 4, ch.after().erased());
        parts.sql.bindInstant(ps, first + 5, ch.after().headRecordedAt().orElseThrow());
    }

    /** {@link SqlStatements#updateSubjectsFromArrays}: the heads of {@code toUpdate} in one statement. */
    private void updateHeadsFromArrays(List<SubjectChanges> toUpdate) throws SQLException {
        int n = toUpdate.size();
        Object[] tenants = new Object[n];
        Object[] subjects = new Object[n];
        Object[] seqs = new Object[n];
        Object[] hashes = new Object[n];
        Object[] erased = new Object[n];
        Object[] recorded = new Object[n];
        for (int i = 0; i < n; i++) {
            SubjectChanges ch = toUpdate.get(i);
            ChainLink head = ch.after().head().orElseThrow();
            tenants[i] = ch.tenant();
            subjects[i] = ch.subject().value();
            seqs[i] = head.sequence();
            hashes[i] = head.hash();
            erased[i] = ch.after().erased();
            recorded[i] =
                    SqlStatements.timestampText(ch.after().headRecordedAt().orElseThrow());
        }
        try (PreparedStatement ps = c.prepareStatement(Objects.requireNonNull(parts.sql.updateSubjectsFromArrays()))) {
            parts.sql.beforeArrayQuery(ps);
            ps.setArray(1, c.createArrayOf("VARCHAR", tenants));
            ps.setArray(2, c.createArrayOf("VARCHAR", subjects));
            ps.setArray(3, c.createArrayOf("BIGINT", seqs));
            ps.setArray(4, c.createArrayOf("VARCHAR", hashes));
            ps.setArray(5, c.createArrayOf("BOOLEAN", erased));
            ps.setArray(6, c.createArrayOf("TEXT", recorded));
            ps.executeUpdate();
        }
    }

    /** Batched inserts and updates of rows keyed by tenant, subject and a name, pointing at an entry. */
    private final class KeyRows implements AutoCloseable {
        private final PreparedStatement insert;
        private final PreparedStatement update;
        private int inserts;
        private int updates;

        KeyRows(String insertSql, String updateSql) throws SQLException {
            this.insert = c.prepareStatement(insertSql);
            try {
                this.update = c.prepareStatement(updateSql);
            } catch (SQLException e) {
                insert.close();
                throw e;
            }
        }

        void add(boolean added, UUID entry, SubjectChanges ch, String name) {
            PreparedStatement ps = added ? insert : update;
            uncheckedRun(() -> {
                ps.setString(1, entry.toString());
                ps.setString(2, ch.tenant());
                ps.setString(3, ch.subject().value());
                ps.setString(4, name);
                ps.addBatch();
            });
            if (added) {
                inserts++;
            } else {
                updates++;
            }
        }

        void execute() throws SQLException {
            if (inserts > 0) {
                insert.executeBatch();
            }
            if (updates > 0) {
                update.executeBatch();
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                insert.close();
            } finally {
                update.close();
            }
        }
    }

    /** A subject in a tenant. */
    private record TenantSubject(String tenant, SubjectId subject) {}

    @FunctionalInterface
    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    @FunctionalInterface
    private interface SqlRun {
        void run() throws SQLException;
    }

    private static void uncheckedRun(SqlRun run) {
        try {
            run.run();
        } catch (SQLException e) {
            throw new UncheckedSql(e);
        }
    }

    private static <T> T unchecked(SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            throw new UncheckedSql(e);
        }
    }

    /** Carries a driver failure through the {@link StoreTransaction} methods, which cannot throw it. */
    private static final class UncheckedSql extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedSql(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) Objects.requireNonNull(super.getCause());
        }
    }
}
