package dev.consentkit.jdbc.internal;

import dev.consentkit.core.ChainLink;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.SubjectState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The store's queries on a connection the caller holds (its own for a
 * read, the write transaction's inside one), each a single statement or one per chunk of subjects.
 */
public final class StoreQueries {

    private final SqlStatements sql;
    private final EntryRows rows;

    public StoreQueries(SqlStatements sql, EntryRows rows) {
        this.sql = sql;
        this.rows = rows;
    }

    /** Reads one row of a result. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    /**
     * Runs the statement {@code statement} makes for a number of subjects, with the tenant as first parameter,
     * the subjects next and {@code tail} after them; in chunks where the database has no array parameters.
     */
    void forSubjects(
            Connection c,
            String tenant,
            List<SubjectId> subjects,
            IntFunction<String> statement,
            List<String> tail,
            RowConsumer consumer)
            throws SQLException {
        forSubjects(c, tenant, List.of(), subjects, statement, tail, consumer);
    }

    /** {@link #forSubjects} with {@code leading} parameters bound before the tenant. */
    void forSubjects(
            Connection c,
            String tenant,
            List<String> leading,
            List<SubjectId> subjects,
            IntFunction<String> statement,
            List<String> tail,
            RowConsumer consumer)
            throws SQLException {
        int chunkSize = sql.subjectsPerStatement();
        for (int from = 0; from < subjects.size(); from += chunkSize) {
            List<String> chunk = subjects.subList(from, Math.min(subjects.size(), from + chunkSize)).stream()
                    .map(SubjectId::value)
                    .toList();
            try (PreparedStatement ps = c.prepareStatement(statement.apply(chunk.size()))) {
                int first = 1;
                for (String value : leading) {
                    ps.setString(first++, value);
                }
                ps.setString(first, tenant);
                int next = sql.bindSubjects(c, ps, first + 1, chunk);
                for (String value : tail) {
                    ps.setString(next++, value);
                }
                run(ps, consumer);
            }
        }
    }

    static void run(PreparedStatement ps, RowConsumer consumer) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                consumer.accept(rs);
            }
        }
    }

    /** Subjects' heads and current statements; subjects without a head are absent. */
    public Map<SubjectId, SubjectState> states(Connection c, String tenant, Collection<SubjectId> subjects)
            throws SQLException {
        return states(c, tenant, subjects, sql::selectStates, List.of());
    }

    /**
     * Subjects' heads and their current statements on {@code purposes} only (none when it is empty); subjects
     * without a head are absent. The purposes are bound first, in the join.
     */
    public Map<SubjectId, SubjectState> statesOn(
            Connection c, String tenant, Collection<SubjectId> subjects, List<String> purposes) throws SQLException {
        return states(c, tenant, subjects, n -> sql.selectStatesOn(n, purposes.size()), purposes);
    }

    private Map<SubjectId, SubjectState> states(
            Connection c,
            String tenant,
            Collection<SubjectId> subjects,
            IntFunction<String> statement,
            List<String> leading)
            throws SQLException {
        Map<SubjectId, StateBuilder> builders = new LinkedHashMap<>();
        RowsOf rowsOf = new RowsOf();
        forSubjects(c, tenant, leading, List.copyOf(subjects), statement, List.of(), rs -> {
            SubjectId subject = new SubjectId(rs.getString("h_subject"));
            StateBuilder b = builders.get(subject);
            if (b == null) {
                b = new StateBuilder(
                        tenant,
                        subject,
                        rs.getLong("head_seq"),
                        rs.getString("head_hash"),
                        sql.readInstant(rs, rs.findColumn("head_recorded_at")),
                        rs.getBoolean("erased"));
                builders.put(subject, b);
            }
            if (rs.getString("entry_id") != null) {
                ConsentRecord r = (ConsentRecord) rowsOf.reader(rs).read(rs);
                b.current.put(r.purpose(), r);
            }
        });
        Map<SubjectId, SubjectState> result = new LinkedHashMap<>();
        builders.forEach((id, b) -> {
            if (b.headSeq > 0) {
                result.put(id, b.build());
            }
        });
        return result;
    }

    /** One subject's current statements on {@code purposes}. */
    public Map<PurposeId, ConsentRecord> statements(
            Connection c, String tenant, SubjectId subject, List<PurposeId> purposes) throws SQLException {
        Map<PurposeId, ConsentRecord> result = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.statements(purposes.size()))) {
            ps.setString(1, tenant);
            ps.setString(2, subject.value());
            for (int i = 0; i < purposes.size(); i++) {
                ps.setString(i + 3, purposes.get(i).value());
            }
            RowsOf rowsOf = new RowsOf();
            run(ps, rs -> {
                ConsentRecord r = (ConsentRecord) rowsOf.reader(rs).read(rs);
                result.put(r.purpose(), r);
            });
        }
        return result;
    }

    /**
     * The statement in force among one subject's current statements on {@code purposes} (the latest by effective
     * time, then by sequence), with one statement that reads the log row of that record only.
     */
    public Optional<ConsentRecord> statementInForce(
            Connection c, String tenant, SubjectId subject, List<PurposeId> purposes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.statementInForce(purposes.size()))) {
            ps.setString(1, tenant);
            ps.setString(2, subject.value());
            for (int i = 0; i < purposes.size(); i++) {
                ps.setString(i + 3, purposes.get(i).value());
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of((ConsentRecord) rows.read(rs)) : Optional.empty();
            }
        }
    }

    /** Many subjects' current statements on {@code purposes}; subjects without any are absent. */
    public Map<SubjectId, Map<PurposeId, ConsentRecord>> statements(
            Connection c, String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes)
            throws SQLException {
        List<String> purposeIds =
                purposes.stream().map(PurposeId::value).distinct().toList();
        Map<SubjectId, Map<PurposeId, ConsentRecord>> result = new HashMap<>();
        RowsOf rowsOf = new RowsOf();
        forSubjects(
                c, tenant, List.copyOf(subjects), n -> sql.recordsOfSubjects(n, purposeIds.size()), purposeIds, rs -> {
                    ConsentRecord r = (ConsentRecord) rowsOf.reader(rs).read(rs);
                    result.computeIfAbsent(r.subject(), k -> new HashMap<>()).put(r.purpose(), r);
                });
        return result;
    }

    /**
     * Many subjects' deciding values on {@code purposes}, read from {@link SqlStatements#decidingState()} only;
     * subjects without any are absent. One statement (per chunk of subjects without array parameters).
     */
    public Map<SubjectId, List<DecidingRecord>> decidingRecords(
            Connection c, String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes)
            throws SQLException {
        List<String> purposeIds =
                purposes.stream().map(PurposeId::value).distinct().toList();
        Map<String, SubjectId> asked = new HashMap<>();
        subjects.forEach(s -> asked.put(s.value(), s));
        Map<SubjectId, List<DecidingRecord>> result = new HashMap<>();
        DecidingRows[] reader = new DecidingRows[1];
        ResultSet[] readerOf = new ResultSet[1];
        forSubjects(
                c,
                tenant,
                List.copyOf(asked.values()),
                n -> sql.decidingRecordsOfSubjects(n, purposeIds.size()),
                purposeIds,
                rs -> {
                    if (readerOf[0] != rs) {
                        reader[0] = new DecidingRows(sql, rs, purposes);
                        readerOf[0] = rs;
                    }
                    DecidingRows rows = reader[0];
                    DecidingRecord d = rows.read(rs);
                    String value = rows.subject(rs);
                    SubjectId subject = asked.get(value);
                    if (d != null) {
                        result.computeIfAbsent(
                                        subject != null ? subject : new SubjectId(value), k -> new ArrayList<>(2))
                                .add(d);
                    }
                });
        return result;
    }

    /** A subject's current preferences by key. */
    public Map<String, PreferenceRecord> preferences(Connection c, String tenant, SubjectId subject)
            throws SQLException {
        Map<String, PreferenceRecord> result = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectPreferences())) {
            ps.setString(1, tenant);
            ps.setString(2, subject.value());
            RowsOf rowsOf = new RowsOf();
            run(ps, rs -> {
                PreferenceRecord p = (PreferenceRecord) rowsOf.reader(rs).read(rs);
                result.put(p.key(), p);
            });
        }
        return result;
    }

    /** Which of {@code ids} the tenant's log holds, whichever chain they are in: one query per 1,000 ids. */
    public Set<UUID> entryIdsAmong(Connection c, String tenant, Collection<UUID> ids) throws SQLException {
        List<UUID> all = List.copyOf(new LinkedHashSet<>(ids));
        Set<UUID> found = new HashSet<>();
        for (int from = 0; from < all.size(); from += SqlStatements.IN_LIST_CHUNK) {
            List<UUID> chunk = all.subList(from, Math.min(all.size(), from + SqlStatements.IN_LIST_CHUNK));
            try (PreparedStatement ps = c.prepareStatement(sql.entryIdsAmong(chunk.size()))) {
                ps.setString(1, tenant);
                int i = 2;
                for (UUID id : chunk) {
                    ps.setString(i++, id.toString());
                }
                run(ps, rs -> found.add(UUID.fromString(rs.getString(1).trim())));
            }
        }
        return found;
    }

    public Optional<ConsentRecord> findRecord(Connection c, String tenant, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.selectRecord())) {
            ps.setString(1, id.toString());
            ps.setString(2, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of((ConsentRecord) rows.read(rs)) : Optional.empty();
            }
        }
    }

    public Optional<ChainLink> head(Connection c, String tenant, SubjectId subject) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.selectHead())) {
            ps.setString(1, tenant);
            ps.setString(2, subject.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getLong(1) == 0) {
                    return Optional.empty();
                }
                return Optional.of(new ChainLink(rs.getLong(1), "", rs.getString(2)));
            }
        }
    }

    /** Inserts the purpose versions the tenant does not hold yet. */
    public void savePurposes(Connection c, String tenant, Collection<Purpose> purposes, Instant now)
            throws SQLException {
        Set<String> existing = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectPurposeVersions())) {
            ps.setString(1, tenant);
            run(ps, rs -> existing.add(rs.getString(1) + "#" + rs.getInt(2)));
        }
        List<Purpose> missing = purposes.stream()
                .filter(p -> !existing.contains(p.id().value() + "#" + p.version()))
                .toList();
        if (missing.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.insertPurpose())) {
            for (Purpose p : missing) {
                ps.setString(1, tenant);
                PurposeColumns.bind(ps, 2, p);
                sql.bindInstant(ps, 13, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Every purpose version saved for {@code tenant}, by id and version. */
    public List<Purpose> savedPurposes(Connection c, String tenant) throws SQLException {
        List<Purpose> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectPurposes())) {
            ps.setString(1, tenant);
            run(ps, rs -> result.add(PurposeColumns.read(rs)));
        }
        return result;
    }

    /** Keeps a checkpoint in the store's list. */
    public void saveCheckpoint(Connection c, Checkpoint checkpoint) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.insertCheckpoint())) {
            ps.setString(1, checkpoint.tenant());
            ps.setString(2, checkpoint.id().toString());
            sql.bindInstant(ps, 3, checkpoint.createdAt());
            ps.setLong(4, checkpoint.chainCount());
            ps.setString(5, checkpoint.merkleRoot());
            ps.setString(6, checkpoint.algorithm());
            ps.setString(7, checkpoint.keyId());
            ps.setString(8, checkpoint.signature());
            ps.executeUpdate();
        }
    }

    /** The tenant's kept checkpoints, oldest first. */
    public List<Checkpoint> checkpoints(Connection c, String tenant) throws SQLException {
        List<Checkpoint> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.selectCheckpoints())) {
            ps.setString(1, tenant);
            run(ps, rs -> {
                Instant createdAt = sql.readInstant(rs, 3);
                if (createdAt == null) {
                    throw new SQLException("a checkpoint row has no created_at");
                }
                result.add(new Checkpoint(
                        rs.getString(1),
                        UUID.fromString(rs.getString(2)),
                        createdAt,
                        rs.getLong(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8)));
            });
        }
        return result;
    }

    /** The entry reader of the result set being read, made once per result set rather than per row. */
    private final class RowsOf {
        private @Nullable ResultSet current;
        private EntryRows.@Nullable Reader reader;

        EntryRows.Reader reader(ResultSet rs) throws SQLException {
            EntryRows.Reader r = reader;
            if (rs != current || r == null) {
                current = rs;
                r = rows.reader(rs);
                reader = r;
            }
            return r;
        }
    }

    private static final class StateBuilder {
        final String tenant;
        final SubjectId subject;
        final long headSeq;
        final String headHash;
        final @Nullable Instant headRecordedAt;
        final boolean erased;
        final Map<PurposeId, ConsentRecord> current = new HashMap<>();

        StateBuilder(
                String tenant,
                SubjectId subject,
                long headSeq,
                String headHash,
                @Nullable Instant headRecordedAt,
                boolean erased) {
            this.tenant = tenant;
            this.subject = subject;
            this.headSeq = headSeq;
            this.headHash = headHash;
            this.headRecordedAt = headRecordedAt;
            this.erased = erased;
        }

        SubjectState build() {
            // a head whose log row is missing (a damaged store, which verify() reports) orders from the epoch
            Instant recorded = headRecordedAt == null ? Instant.EPOCH : headRecordedAt;
            return new SubjectState(
                    tenant,
                    subject,
                    Optional.of(new ChainLink(headSeq, "", headHash)),
                    Optional.of(recorded),
                    current,
                    erased);
        }
    }
}
