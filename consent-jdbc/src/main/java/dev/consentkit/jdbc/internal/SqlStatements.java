package dev.consentkit.jdbc.internal;

import dev.consentkit.core.internal.Pseudonyms;
import dev.consentkit.jdbc.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Every statement the JDBC store runs, built from the table names, and
 * the few JDBC habits that differ per database. The base class is what PostgreSQL and H2 share with the SQL
 * standard ({@code TIMESTAMP WITH TIME ZONE}, array parameters); {@link PostgresSqlStatements},
 * {@link MariaDbSqlStatements} and {@link H2SqlStatements} override only what differs.
 */
public class SqlStatements {

    /** The log table's columns, in the order {@link EntryRows#bind} binds them. */
    static final List<String> LOG_COLUMNS = List.of(
            "entry_id",
            "tenant",
            "subject",
            "seq",
            "kind",
            "recorded_at",
            "purpose_id",
            "purpose_version",
            "status",
            "effective_at",
            "expires_at",
            "idempotency_key",
            "conflict",
            "source",
            "collection_point",
            "notice_version",
            "notice_sha256",
            "locale",
            "actor_type",
            "actor_id",
            "ip_address",
            "user_agent",
            "comment_text",
            "proof_reference",
            "pref_key",
            "pref_value",
            "erasure_reason",
            "personal_digest",
            "prev_hash",
            "hash");

    private static final String PURPOSE_COLUMNS = "purpose_id, version, title, description, basis, data_categories,"
            + " validity, reconsent_from_version, sale_or_share, direct_marketing, texts";

    /** How many values one statement takes at most where a set is passed as an {@code IN} list. */
    static final int IN_LIST_CHUNK = 1000;

    protected final Tables tables;
    private final String logColumns;

    protected SqlStatements(Tables tables) {
        this.tables = tables;
        this.logColumns = "l." + String.join(", l.", LOG_COLUMNS);
    }

    /** The statements for {@code dialect} on {@code tables}. */
    public static SqlStatements of(Dialect dialect, Tables tables) {
        return switch (dialect) {
            case POSTGRESQL -> new PostgresSqlStatements(tables);
            case MARIADB, MYSQL -> new MariaDbSqlStatements(tables);
            case H2 -> new H2SqlStatements(tables);
        };
    }

    public Tables tables() {
        return tables;
    }

    // ------------------------------------------------------------------ what differs per database

    /** Binds an instant (or SQL NULL) as a {@code TIMESTAMP WITH TIME ZONE} in UTC. */
    public void bindInstant(PreparedStatement ps, int index, @Nullable Instant instant) throws SQLException {
        ps.setObject(index, instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    /**
     * The earliest instant this database's timestamp columns hold and its driver binds; here the earliest a
     * {@code TIMESTAMP WITH TIME ZONE} in UTC can be given as a {@link OffsetDateTime}.
     */
    public Instant earliestStorable() {
        return LocalDateTime.MIN.toInstant(ZoneOffset.UTC);
    }

    /** The latest instant this database's timestamp columns hold (to the microsecond) and its driver binds. */
    public Instant latestStorable() {
        return LocalDateTime.MAX.toInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /** Reads a {@code TIMESTAMP WITH TIME ZONE} column. */
    public @Nullable Instant readInstant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** Whether a set of subjects is passed to one statement as one array parameter ({@code = ANY(?)}). */
    protected boolean arrayParameters() {
        return true;
    }

    /** Called on a statement that takes an array parameter, before it runs. */
    protected void beforeArrayQuery(PreparedStatement ps) throws SQLException {}

    /**
     * Called on the idempotency-key lookup (which every consent write makes) before it runs: it must stay a probe
     * of the (tenant, idempotency_key) index whatever plan the database has cached for it.
     */
    protected void beforeKeyLookup(PreparedStatement ps) throws SQLException {}

    /**
     * Called once a connection's own transaction has begun (auto-commit off), before the work runs: sets how long
     * a statement of this transaction waits for another transaction's row lock before it fails with a lock
     * timeout (see {@link #isLockTimeout}). Every database overrides it: the SQL standard has no such setting.
     */
    public void beganTransaction(Connection c, Duration lockTimeout) throws SQLException {}

    /**
     * Whether the driver on {@code c} quotes bound values (subject ids, evidence) in its failures' messages, which
     * connection pools log; false unless the dialect can tell.
     */
    public boolean driverQuotesBoundValues(Connection c) throws SQLException {
        return false;
    }

    /** Called after the commit or rollback of a transaction {@link #beganTransaction} began. */
    public void endedTransaction(Connection c) throws SQLException {}

    /** Called in an erasure's transaction before its updates. */
    public void beforeErasure(Connection c) throws SQLException {}

    /**
     * Serialization failures, deadlocks and lost races on a unique key (SQLState class 23) are worth retrying; a
     * lock timeout never is (see {@link #isLockTimeout}): it would multiply the wait.
     */
    public boolean isRetryable(SQLException e) {
        return !isLockTimeout(e) && anyFailure(e, this::isRetryableFailure);
    }

    /** Whether the failure, or one it carries, is a wait for another transaction's lock that ran out. */
    public boolean isLockTimeout(SQLException e) {
        return anyFailure(e, this::isLockTimeoutFailure);
    }

    /** PostgreSQL's {@code lock_not_available} (55P03); H2's {@code LOCK_TIMEOUT_1} (50200). */
    protected boolean isLockTimeoutFailure(SQLException s) {
        return "55P03".equals(s.getSQLState()) || s.getErrorCode() == 50200;
    }

    /** Tests the failure, its causes and the exceptions chained to each (a batch's failures are chained). */
    private static boolean anyFailure(SQLException e, Predicate<SQLException> test) {
        ArrayDeque<Throwable> pending = new ArrayDeque<>(List.of(e));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!pending.isEmpty()) {
            Throwable t = pending.pop();
            if (!seen.add(t) || seen.size() > 50) {
                continue;
            }
            if (t instanceof SQLException s) {
                if (test.test(s)) {
                    return true;
                }
                if (s.getNextException() != null) {
                    pending.push(s.getNextException());
                }
            }
            if (t.getCause() != null) {
                pending.push(t.getCause());
            }
        }
        return false;
    }

    /**
     * Whether the failure, or one it carries, means the connection was lost or the server ended the session: the
     * driver's connection-exception classes, SQLState class 08, and PostgreSQL's {@code admin_shutdown},
     * {@code crash_shutdown} and {@code cannot_connect_now} (57P01 to 57P03). A statement that fails so before the
     * commit was sent leaves nothing committed (the server rolls the transaction back when the session ends); a
     * commit that fails so may or may not have committed.
     */
    public boolean isConnectionFailure(SQLException e) {
        return anyFailure(e, this::isConnectionFailureOne);
    }

    protected boolean isConnectionFailureOne(SQLException s) {
        if (s instanceof java.sql.SQLNonTransientConnectionException
                || s instanceof java.sql.SQLTransientConnectionException
                || s instanceof java.sql.SQLRecoverableException) {
            return true;
        }
        String state = s.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    protected boolean isRetryableFailure(SQLException s) {
        String state = s.getSQLState();
        return state != null && (state.equals("40001") || state.equals("40P01") || state.startsWith("23"));
    }

    /** Whether the driver streams a result with a cursor only inside a transaction. */
    public boolean cursorNeedsTransaction() {
        return false;
    }

    /** Called on a statement whose result is streamed, before it runs. */
    public void beforeStreaming(PreparedStatement ps) throws SQLException {}

    /** What locks the relay partitions read by {@link #claimOutboxPartitions}, skipping those other relays hold. */
    protected String partitionLock() {
        return " FOR UPDATE SKIP LOCKED";
    }

    /** Whether {@link #logProtectionScript} exists for this database. */
    public boolean hasLogProtection() {
        return false;
    }

    // ------------------------------------------------------------------ sets of values

    /** How many subjects one statement of {@link #subjectsIn} takes at most. */
    int subjectsPerStatement() {
        return arrayParameters() ? Integer.MAX_VALUE : IN_LIST_CHUNK;
    }

    /** The condition on a column for {@code count} subjects: {@code " = ?"}, {@code " = ANY(?)"} or an IN list. */
    String subjectsIn(int count) {
        return count > 1 && arrayParameters() ? " = ANY(?)" : in(count);
    }

    /** Binds the subjects of {@link #subjectsIn} from {@code index}; returns the next free index. */
    int bindSubjects(Connection c, PreparedStatement ps, int index, List<String> subjects) throws SQLException {
        if (subjects.size() > 1 && arrayParameters()) {
            beforeArrayQuery(ps);
            ps.setArray(index, c.createArrayOf("VARCHAR", subjects.toArray()));
            return index + 1;
        }
        for (String s : subjects) {
            ps.setString(index++, s);
        }
        return index;
    }

    /** {@code " = ?"} for one value, {@code " IN (?, ...)"} for more. */
    static String in(int count) {
        return count == 1 ? " = ?" : " IN (" + "?, ".repeat(count - 1) + "?)";
    }

    // ------------------------------------------------------------------ the log

    String selectLog() {
        return "SELECT " + logColumns + " FROM " + tables.log() + " l";
    }

    /** The log columns, then {@code command_digest} (the 31st parameter: the digest stored with the key). */
    String insertLog() {
        return "INSERT INTO " + tables.log() + " (" + String.join(", ", LOG_COLUMNS) + ", command_digest) VALUES ("
                + "?, ".repeat(LOG_COLUMNS.size()) + "?)";
    }

    /** An outbox row: the entry, its relay partition and the event columns (null without an event format). */
    String insertOutbox() {
        return "INSERT INTO " + tables.outbox() + " (tenant, subject, entry_id, seq, created_at, partition_no,"
                + " event_type, aggregate_type, aggregate_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    /** The log columns and {@code command_digest} of the records that carry one of the keys. */
    String recordsByIdempotencyKey(int keys) {
        return "SELECT " + logColumns + ", l.command_digest FROM " + tables.log() + " l"
                + " WHERE l.tenant = ? AND l.idempotency_key" + in(keys);
    }

    /** The ids among {@code count} entry ids that the tenant's log holds (in any subject's chain). */
    String entryIdsAmong(int count) {
        return "SELECT entry_id FROM " + tables.log() + " WHERE tenant = ? AND entry_id" + in(count);
    }

    String selectRecord() {
        return selectLog() + " WHERE l.entry_id = ? AND l.tenant = ? AND l.kind = 'consent'";
    }

    /** Entries of a tenant, optionally of one subject, of some purposes and recorded in {@code [from, to)}. */
    String history(boolean subject, int purposes, boolean from, boolean to) {
        return selectLog() + " WHERE l.tenant = ?" + (subject ? " AND l.subject = ?" : "")
                + (purposes > 0 ? " AND l.purpose_id" + in(purposes) : "")
                + (from ? " AND l.recorded_at >= ?" : "") + (to ? " AND l.recorded_at < ?" : "")
                + (subject ? " ORDER BY l.seq" : " ORDER BY l.log_id");
    }

    /** Entries of a tenant (or one subject) by subject and sequence. */
    String chains(boolean subject) {
        return selectLog() + " WHERE l.tenant = ?" + (subject ? " AND l.subject = ?" : "")
                + " ORDER BY l.subject, l.seq";
    }

    /**
     * {@link #chains} with each entry's subject row ({@code h_seq}, {@code h_hash}, {@code h_erased}), the entry id of
     * the current-record row ({@code s_entry}) or current-preference row ({@code p_entry}) that points at this entry
     * on its purpose or key, and on each chain's first entry how many such rows the subject has ({@code s_rows},
     * {@code p_rows}).
     */
    String chainsWithHeads(boolean subject) {
        return "SELECT " + logColumns + ", h.head_seq AS h_seq, h.head_hash AS h_hash, h.erased AS h_erased,"
                + " s.entry_id AS s_entry, p.entry_id AS p_entry,"
                + " CASE WHEN l.seq = 1 THEN (SELECT COUNT(*) FROM " + tables.state()
                + " sc WHERE sc.tenant = l.tenant AND sc.subject = l.subject) END AS s_rows,"
                + " CASE WHEN l.seq = 1 THEN (SELECT COUNT(*) FROM " + tables.preference()
                + " pc WHERE pc.tenant = l.tenant AND pc.subject = l.subject) END AS p_rows"
                + " FROM " + tables.log() + " l"
                + " LEFT JOIN " + tables.subject() + " h ON h.tenant = l.tenant AND h.subject = l.subject"
                + " LEFT JOIN " + tables.state() + " s ON s.tenant = l.tenant AND s.subject = l.subject"
                + " AND s.purpose_id = l.purpose_id AND s.entry_id = l.entry_id" + decidingColumnsMatch()
                + " LEFT JOIN " + tables.preference() + " p ON p.tenant = l.tenant AND p.subject = l.subject"
                + " AND p.pref_key = l.pref_key AND p.entry_id = l.entry_id"
                + " WHERE l.tenant = ?" + (subject ? " AND l.subject = ?" : "") + " ORDER BY l.subject, l.seq";
    }

    /**
     * The state row's deciding columns hold what its log row holds: a row whose columns differ does not count as
     * pointing at its record, so that {@code verify()} reports it (a check picks the deciding record by them).
     */
    private static String decidingColumnsMatch() {
        return " AND s.status = l.status AND s.purpose_version = l.purpose_version AND s.effective_at = l.effective_at"
                + " AND (s.expires_at = l.expires_at OR (s.expires_at IS NULL AND l.expires_at IS NULL))"
                + " AND s.conflict = l.conflict AND s.seq = l.seq";
    }

    /** Subject rows with a head (or an erased flag) but no entries: {@code subject}, {@code head_seq}. */
    String headsWithoutEntries(boolean subject) {
        return "SELECT h.subject, h.head_seq FROM " + tables.subject() + " h WHERE h.tenant = ?"
                + (subject ? " AND h.subject = ?" : "") + " AND (h.head_seq > 0 OR h.erased = TRUE)"
                + " AND NOT EXISTS (SELECT 1 FROM " + tables.log()
                + " l WHERE l.tenant = h.tenant AND l.subject = h.subject) ORDER BY h.subject";
    }

    /** Strips an erased subject's entries of personal fields and moves them to the pseudonym. */
    String pseudonymiseLog() {
        return "UPDATE " + tables.log() + " SET subject = ?, ip_address = NULL, user_agent = NULL,"
                + " comment_text = NULL, idempotency_key = NULL, command_digest = NULL WHERE tenant = ? AND subject = ?";
    }

    /** Moves an erased subject's state, preference and head rows to the pseudonym. */
    List<String> pseudonymiseRows() {
        return List.of(tables.state(), tables.preference(), tables.subject()).stream()
                .map(t -> "UPDATE " + t + " SET subject = ? WHERE tenant = ? AND subject = ?")
                .toList();
    }

    /**
     * Moves an erased subject's waiting outbox rows to the pseudonym and its partition, and blanks their event
     * columns, which name the subject (relays format the erased entries afresh). Parameters: pseudonym, its
     * partition, tenant, subject.
     */
    String pseudonymiseOutbox() {
        return "UPDATE " + tables.outbox() + " SET subject = ?, partition_no = ?, aggregate_id = NULL, payload = NULL"
                + " WHERE tenant = ? AND subject = ?";
    }

    // ------------------------------------------------------------------ heads, state, preferences

    /** The head hash of a subject row that holds no chain yet: {@code head_seq} 0 means no head. */
    static final String NO_HEAD_HASH = "0".repeat(64);

    /** Locks existing subject rows in order; selects the subject and its {@code head_seq}. */
    String lockSubjects(int count) {
        return "SELECT subject, head_seq FROM " + tables.subject() + " WHERE tenant = ? AND subject" + subjectsIn(count)
                + " ORDER BY subject FOR UPDATE";
    }

    String erasedSubjects(int count) {
        return "SELECT subject FROM " + tables.subject() + " WHERE erased = TRUE AND tenant = ? AND subject"
                + subjectsIn(count);
    }

    /**
     * Inserts a subject's row without a head ({@code head_seq} 0) unless it exists, so that a first write can lock
     * it before it writes, and a concurrent first writer waits for that lock instead of failing on the primary key.
     * Parameters: tenant, subject. The standard form, for H2, which has no insert-or-ignore.
     */
    String insertSubjectIfAbsent() {
        return "INSERT INTO " + tables.subject() + " (tenant, subject, head_seq, head_hash, erased)"
                + " SELECT t, s, 0, '" + NO_HEAD_HASH + "', FALSE FROM (VALUES (CAST(? AS VARCHAR(64)),"
                + " CAST(? AS VARCHAR(255)))) n(t, s) WHERE NOT EXISTS (SELECT 1 FROM " + tables.subject()
                + " x WHERE x.tenant = n.t AND x.subject = n.s)";
    }

    /**
     * {@link #insertSubjectIfAbsent} for many subjects in one statement that also tells which rows it inserted: it
     * returns the subject of each row it inserted (a row this transaction inserted is its own, locked until it
     * ends, and needs no lock of its own). Parameters: tenant, then the subjects as one array. Null where the
     * database has no such statement: then the subjects' rows are inserted by {@link #insertSubjectsIfAbsent} or
     * one by one, and all of them are locked afterwards.
     */
    @Nullable
    String insertSubjectsIfAbsentReturning() {
        return null;
    }

    /**
     * {@link #insertSubjectIfAbsent} for {@code rows} subjects in one statement (parameters: tenant and subject of
     * each row in turn), where the driver runs a batch of the one-row form row by row; null to batch the one-row
     * form.
     */
    @Nullable
    String insertSubjectsIfAbsent(int rows) {
        return null;
    }

    /**
     * One statement that moves the heads of several existing subject rows, from arrays. Parameters, each an array
     * with one element per row: tenant, subject, head_seq, head_hash, erased, and head_recorded_at as text in
     * {@link #timestampText} form. Null where the database has no array parameters.
     */
    @Nullable
    String updateSubjectsFromArrays() {
        return null;
    }

    /**
     * One statement that moves the heads of {@code rows} existing (and locked) subject rows, bound as
     * {@link #insertSubject} binds one row, row after row; null where {@link #updateSubject} is batched instead.
     */
    @Nullable
    String updateSubjects(int rows) {
        return null;
    }

    /** How an instant is written as text in the arrays of {@link #updateSubjectsFromArrays}: to the microsecond, UTC. */
    static String timestampText(Instant instant) {
        return TIMESTAMP_TEXT.format(instant.atOffset(ZoneOffset.UTC));
    }

    private static final java.time.format.DateTimeFormatter TIMESTAMP_TEXT =
            new java.time.format.DateTimeFormatterBuilder()
                    .appendValue(java.time.temporal.ChronoField.YEAR, 4, 10, java.time.format.SignStyle.NORMAL)
                    .appendPattern("-MM-dd HH:mm:ss.SSSSSS'+00'")
                    .toFormatter(java.util.Locale.ROOT);

    /** {@code count} times {@code tuple}, comma-separated: the VALUES of a multi-row insert. */
    static String rows(String tuple, int count) {
        StringBuilder sb = new StringBuilder(count * (tuple.length() + 2));
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(tuple);
        }
        return sb.toString();
    }

    /** Deletes a subject's row if it still holds no chain. Parameters: tenant, subject. */
    String deleteSubjectWithoutHead() {
        return "DELETE FROM " + tables.subject() + " WHERE tenant = ? AND subject = ? AND head_seq = 0";
    }

    String insertSubject() {
        return "INSERT INTO " + tables.subject()
                + " (tenant, subject, head_seq, head_hash, erased, head_recorded_at) VALUES (?, ?, ?, ?, ?, ?)";
    }

    String updateSubject() {
        return "UPDATE " + tables.subject() + " SET head_seq = ?, head_hash = ?, erased = ?, head_recorded_at = ?"
                + " WHERE tenant = ? AND subject = ?";
    }

    String selectHead() {
        return "SELECT head_seq, head_hash FROM " + tables.subject() + " WHERE tenant = ? AND subject = ?";
    }

    /**
     * Heads and current statements of subjects, one row per statement (or one with null entry for none), with
     * the head entry's recorded time (kept on the subject row).
     */
    String selectStates(int subjects) {
        return "SELECT h.subject AS h_subject, h.head_seq, h.head_hash, h.erased, h.head_recorded_at, " + logColumns
                + " FROM " + tables.subject() + " h"
                + " LEFT JOIN " + tables.state() + " s ON s.tenant = h.tenant AND s.subject = h.subject"
                + " LEFT JOIN " + tables.log() + " l ON l.entry_id = s.entry_id"
                + " WHERE h.tenant = ? AND h.subject" + subjectsIn(subjects);
    }

    /**
     * {@link #selectStates} with the current statements on {@code purposes} only (none for 0): what a write plan
     * reads. Parameters: the purposes, the tenant, the subjects.
     */
    String selectStatesOn(int subjects, int purposes) {
        if (purposes == 0) {
            return "SELECT h.subject AS h_subject, h.head_seq, h.head_hash, h.erased, h.head_recorded_at,"
                    + " CAST(NULL AS CHAR(36)) AS entry_id FROM " + tables.subject() + " h"
                    + " WHERE h.tenant = ? AND h.subject" + subjectsIn(subjects);
        }
        return "SELECT h.subject AS h_subject, h.head_seq, h.head_hash, h.erased, h.head_recorded_at, " + logColumns
                + " FROM " + tables.subject() + " h"
                + " LEFT JOIN " + tables.state() + " s ON s.tenant = h.tenant AND s.subject = h.subject"
                + " AND s.purpose_id" + in(purposes)
                + " LEFT JOIN " + tables.log() + " l ON l.entry_id = s.entry_id"
                + " WHERE h.tenant = ? AND h.subject" + subjectsIn(subjects);
    }

    /** One subject's current statements on some purposes. */
    String statements(int purposes) {
        return selectLog() + " JOIN " + tables.state() + " s ON s.entry_id = l.entry_id"
                + " WHERE s.tenant = ? AND s.subject = ? AND s.purpose_id" + in(purposes);
    }

    /**
     * The statement in force among one subject's current statements on some purposes: the latest by effective
     * time, then by chain sequence, picked from the state rows' deciding columns; the log row is read for that one
     * only. Parameters: tenant, subject, the purposes.
     */
    String statementInForce(int purposes) {
        return selectLog() + " JOIN (SELECT d.entry_id FROM " + tables.state() + " d"
                + " WHERE d.tenant = ? AND d.subject = ? AND d.purpose_id" + in(purposes)
                + " ORDER BY d.effective_at DESC, d.seq DESC" + firstRowOnly() + ") s ON s.entry_id = l.entry_id";
    }

    /** Limits a query to its first row. */
    protected String firstRowOnly() {
        return " LIMIT 1";
    }

    /** Several subjects' current statements on some purposes. */
    String recordsOfSubjects(int subjects, int purposes) {
        return selectLog() + " JOIN " + tables.state() + " s ON s.entry_id = l.entry_id"
                + " WHERE s.tenant = ? AND s.subject" + subjectsIn(subjects) + " AND s.purpose_id" + in(purposes);
    }

    // ------------------------------------------------------------------ deciding values: filterAllowed, audiences

    /** The deciding values every statement below reads from {@link #decidingState()}, by these names. */
    static final String DECIDING_COLUMNS =
            "d.purpose_id, d.status, d.purpose_version, d.effective_at, d.expires_at, d.seq";

    /** The prefix of the pseudonyms under which erased subjects' rows live. */
    static final String PSEUDONYM_PREFIX = Pseudonyms.PREFIX;

    /**
     * The current records' deciding values as one table with the columns {@code tenant, subject, purpose_id,
     * status, purpose_version, effective_at, expires_at, seq}, to be aliased {@code d}: the only place that says
     * where they come from. Since schema version 2 the state table carries them in its own columns of those names,
     * written with every state row, so the statements below read the state rows alone and never the log.
     */
    String decidingState() {
        return tables.state();
    }

    /**
     * Several subjects' deciding values on some purposes: {@code subject} and {@link #DECIDING_COLUMNS}.
     * Parameters: tenant, the subjects, the purposes.
     */
    String decidingRecordsOfSubjects(int subjects, int purposes) {
        return "SELECT d.subject, " + DECIDING_COLUMNS + " FROM " + decidingState() + " d WHERE d.tenant = ?"
                + " AND d.subject" + subjectsIn(subjects) + " AND d.purpose_id" + in(purposes);
    }

    /**
     * A tenant's current records on some purposes ordered by subject: {@code subject}, {@link #DECIDING_COLUMNS}
     * (null for a subject without any of them) and {@code erased}. With {@code everySubject} every subject with a
     * head comes, also without such records (parameters: the purposes, then the tenant); without it only subjects
     * with one (parameters: the tenant, then the purposes), and only rows under a pseudonym look their subject row
     * up for the erased flag: an erased subject's rows are moved to its pseudonym, no other subject is erased.
     */
    /** The parameters of {@link #audience}, in the order its statement binds them. */
    List<String> audienceParameters(String tenant, List<String> purposes, boolean everySubject) {
        List<String> params = new ArrayList<>(purposes.size() + 1);
        if (!everySubject) {
            params.add(tenant);
        }
        params.addAll(purposes);
        if (everySubject) {
            params.add(tenant);
        }
        return params;
    }

    String audience(int purposes, boolean everySubject) {
        if (everySubject) {
            return "SELECT h.subject, " + DECIDING_COLUMNS + ", h.erased FROM " + tables.subject() + " h"
                    + " LEFT JOIN " + decidingState() + " d ON d.tenant = h.tenant AND d.subject = h.subject"
                    + " AND d.purpose_id" + in(purposes)
                    + " WHERE h.tenant = ? AND h.head_seq > 0 ORDER BY h.subject";
        }
        return "SELECT d.subject, " + DECIDING_COLUMNS + ", CASE WHEN d.subject LIKE '" + PSEUDONYM_PREFIX + "%'"
                + " THEN (SELECT h.erased FROM " + tables.subject() + " h WHERE h.tenant = d.tenant"
                + " AND h.subject = d.subject) ELSE FALSE END AS erased"
                + " FROM " + decidingState() + " d WHERE d.tenant = ? AND d.purpose_id" + in(purposes)
                + " ORDER BY d.subject";
    }

    /**
     * Inserts a current-record row with its deciding columns. Parameters: entry id, the deciding columns (status,
     * purpose version, effective time, expiry, conflict, sequence), tenant, subject, purpose.
     */
    String insertState() {
        return "INSERT INTO " + tables.state() + " (entry_id, " + STATE_DECIDING + ", tenant, subject, purpose_id)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    /** Points a current-record row at another record; parameters as {@link #insertState}. */
    String updateState() {
        return "UPDATE " + tables.state() + " SET entry_id = ?, status = ?, purpose_version = ?, effective_at = ?,"
                + " expires_at = ?, conflict = ?, seq = ? WHERE tenant = ? AND subject = ? AND purpose_id = ?";
    }

    /** The state row's deciding columns, copied from the record it points at, in the order they are bound. */
    static final String STATE_DECIDING = "status, purpose_version, effective_at, expires_at, conflict, seq";

    String selectPreferences() {
        return selectLog() + " JOIN " + tables.preference() + " p ON p.entry_id = l.entry_id"
                + " WHERE p.tenant = ? AND p.subject = ?";
    }

    String insertPreference() {
        return "INSERT INTO " + tables.preference() + " (entry_id, tenant, subject, pref_key) VALUES (?, ?, ?, ?)";
    }

    String updatePreference() {
        return "UPDATE " + tables.preference() + " SET entry_id = ? WHERE tenant = ? AND subject = ? AND pref_key = ?";
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * For every chain of a tenant with an entry recorded at or before a bound, the last such entry's {@code seq} and
     * {@code hash}, ordered by hash as bytes. Parameters: tenant, bound, tenant. The inner query reads the log's
     * {@code (tenant, subject, seq)} key and the recorded time; one row per chain comes out.
     */
    String checkpointLeaves() {
        return "SELECT l.seq, l.hash FROM " + tables.log() + " l JOIN (SELECT subject, MAX(seq) AS last_seq FROM "
                + tables.log() + " WHERE tenant = ? AND recorded_at <= ? GROUP BY subject) m"
                + " ON l.subject = m.subject AND l.seq = m.last_seq WHERE l.tenant = ? ORDER BY "
                + inByteOrder("l.hash");
    }

    /**
     * {@code column} for an {@code ORDER BY} in the order of its bytes (for lower-case hex, that of
     * {@link String#compareTo}); H2 compares strings so already, and the MariaDB tables are created binary.
     */
    protected String inByteOrder(String column) {
        return column;
    }

    private static final String CHECKPOINT_COLUMNS =
            "tenant, checkpoint_id, created_at, chain_count, merkle_root, algorithm, key_id, signature";

    String insertCheckpoint() {
        return "INSERT INTO " + tables.checkpoint() + " (" + CHECKPOINT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    }

    String selectCheckpoints() {
        return "SELECT " + CHECKPOINT_COLUMNS + " FROM " + tables.checkpoint()
                + " WHERE tenant = ? ORDER BY created_at, checkpoint_id";
    }

    // ------------------------------------------------------------------ purposes, outbox, schema

    String selectPurposeVersions() {
        return "SELECT purpose_id, version FROM " + tables.purpose() + " WHERE tenant = ?";
    }

    String selectPurposes() {
        return "SELECT " + PURPOSE_COLUMNS + " FROM " + tables.purpose()
                + " WHERE tenant = ? ORDER BY purpose_id, version";
    }

    String insertPurpose() {
        return "INSERT INTO " + tables.purpose() + " (tenant, " + PURPOSE_COLUMNS + ", saved_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    /**
     * Locks up to {@code limit} relay partitions that no other relay holds, least recently passed first (so that
     * instances rotate through all of them). No parameters.
     */
    String claimOutboxPartitions(int limit) {
        return "SELECT partition_no FROM " + tables.outboxPartition()
                + " ORDER BY CASE WHEN passed_at IS NULL THEN 0 ELSE 1 END, passed_at, partition_no LIMIT " + limit
                + partitionLock();
    }

    /** Up to {@code limit} outbox rows of the held partitions, in id order, with their entries. */
    String outboxInPartitions(int partitions, int limit) {
        return "SELECT " + logColumns + ", o.outbox_id FROM " + tables.outbox() + " o JOIN " + tables.log()
                + " l ON l.entry_id = o.entry_id WHERE o.partition_no" + in(partitions)
                + " ORDER BY o.outbox_id LIMIT " + limit;
    }

    /** Marks a partition as passed at an instant. Parameters: instant, partition. */
    String outboxPartitionPassed() {
        return "UPDATE " + tables.outboxPartition() + " SET passed_at = ? WHERE partition_no = ?";
    }

    /** The number of outbox rows and the oldest row's creation time. */
    String outboxBacklog() {
        return "SELECT COUNT(*), MIN(created_at) FROM " + tables.outbox();
    }

    String deleteOutbox() {
        return "DELETE FROM " + tables.outbox() + " WHERE outbox_id = ?";
    }

    /** A query that fails unless the tables are at schema version 3: the outbox partitions exist. */
    String probeVersion3() {
        return "SELECT o.partition_no, p.passed_at, w.outcome FROM " + tables.outbox() + " o, "
                + tables.outboxPartition() + " p, " + tables.webhookDelivery() + " w WHERE 1 = 0";
    }

    /**
     * A query that fails unless the tables are at schema version 2 or later: the state row's deciding columns and
     * the subject row's head time exist.
     */
    String probeVersion2() {
        return "SELECT s.seq, s.status, h.head_recorded_at FROM " + tables.state() + " s, " + tables.subject()
                + " h WHERE 1 = 0";
    }

    /** A query that fails unless the log table exists. */
    String probeLog() {
        return "SELECT 1 FROM " + tables.log() + " WHERE 1 = 0";
    }

    /**
     * The shipped log-protection script with this store's names.
     *
     * @throws UnsupportedOperationException where {@link #hasLogProtection()} is false
     */
    String logProtectionScript(String shipped) {
        throw new UnsupportedOperationException();
    }
}
