package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.AppendRequest;
import dev.consentkit.core.spi.AppendResult;
import dev.consentkit.core.spi.AuditChain;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.SubjectState;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A {@link ConsentStore} on PostgreSQL, MariaDB/MySQL or H2 over a plain {@link DataSource}; no ORM.
 *
 * <p>Each write is one transaction: the subject's row in the {@code subject} table is locked
 * ({@code SELECT ... FOR UPDATE}), the idempotency key is looked up, the entries are appended to the log,
 * the current state, the chain head and the outbox move with them, and the transaction commits — or nothing
 * is written. Writers of one subject are serialised by that row lock, so any number of application instances
 * can share the database. Serialization failures, deadlocks and lost races on a unique key are retried up to
 * {@link Builder#maxAttempts(int)} times.
 *
 * <p><b>Transactions.</b> If a connection from the DataSource arrives with auto-commit off, the store assumes
 * the caller runs a transaction on it and joins it: it neither commits nor rolls back (and does not retry).
 * Pass a transaction-aware DataSource (for example Spring's {@code TransactionAwareDataSourceProxy}) to make a
 * consent write commit or roll back with the application's own writes. Listeners of the manager hear of such
 * writes only through a {@link dev.consentkit.core.spi.CommitHook}; the {@link OutboxRelay} delivers them after
 * the commit in any case.
 *
 * <p><b>Streams.</b> {@link #history} and {@link #chains} hold a connection and a server-side cursor until the
 * stream is closed: always use try-with-resources.
 */
public final class JdbcConsentStore implements ConsentStore {

    private static final Logger log = LoggerFactory.getLogger(JdbcConsentStore.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");
    private static final int IN_LIST_CHUNK = 1000;

    private final DataSource dataSource;
    private final Dialect dialect;
    final Tables tables;
    final EntryRows rows;
    private final int maxAttempts;
    private final int fetchSize;
    private final Clock clock;

    private JdbcConsentStore(Builder b, Dialect dialect) {
        this.dataSource = Objects.requireNonNull(b.dataSource);
        this.dialect = dialect;
        this.tables = new Tables(b.schema, b.tablePrefix);
        this.rows = new EntryRows(dialect);
        this.maxAttempts = b.maxAttempts;
        this.fetchSize = b.fetchSize;
        this.clock = b.clock;
    }

    /** A builder; {@link Builder#dataSource(DataSource)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dialect in use (detected or set). */
    public Dialect dialect() {
        return dialect;
    }

    // ------------------------------------------------------------------ writes

    /**
     * True when the DataSource hands this thread a connection with auto-commit off, that is when a write now
     * would join the caller's transaction instead of committing its own.
     */
    @Override
    public boolean joinsCallerTransaction() {
        try (Connection c = dataSource.getConnection()) {
            return !c.getAutoCommit();
        } catch (SQLException e) {
            throw failure("joinsCallerTransaction", e);
        }
    }

    @Override
    public AppendResult append(AppendRequest request) {
        return appendAll(List.of(request)).get(0);
    }

    @Override
    public List<AppendResult> appendAll(List<AppendRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        return inTransaction("append", c -> appendIn(c, requests));
    }

    private List<AppendResult> appendIn(Connection c, List<AppendRequest> requests) throws SQLException {
        Map<SubjectKey, Optional<SubjectId>> keys = new TreeMap<>();
        for (AppendRequest r : requests) {
            keys.merge(new SubjectKey(r.tenant(), r.subject()), r.pseudonym(), (a, b) -> a.isPresent() ? a : b);
        }
        Map<SubjectKey, Working> working = lockAndLoad(c, keys);
        Map<String, ConsentRecord> earlier = findByIdempotencyKeys(c, requests);
        List<AppendResult> results = new ArrayList<>(requests.size());
        List<AuditEntry> inserts = new ArrayList<>();
        for (AppendRequest r : requests) {
            Working w = Objects.requireNonNull(working.get(new SubjectKey(r.tenant(), r.subject())));
            String idempotency = r.idempotencyKey().map(k -> r.tenant() + '\u0000' + k).orElse(null);
            if (idempotency != null && earlier.containsKey(idempotency)) {
                results.add(new AppendResult(List.of(earlier.get(idempotency)), true));
                continue;
            }
            List<AuditEntry> sealed = new ArrayList<>();
            List<AuditEntry> planned = r.plan().plan(w.snapshot());
            if (!planned.isEmpty() && w.erased && w.head.isEmpty()) {
                throw new IllegalStateException("a write plan returned entries for an erased subject");
            }
            for (AuditEntry e : planned) {
                AuditEntry s = AuditChain.seal(e, w.head);
                w.add(c, s);
                sealed.add(s);
                inserts.add(s);
            }
            if (idempotency != null) {
                sealed.stream().filter(ConsentRecord.class::isInstance).map(ConsentRecord.class::cast).findFirst()
                        .ifPresent(first -> earlier.put(idempotency, first));
            }
            results.add(new AppendResult(sealed, false));
        }
        if (!inserts.isEmpty()) {
            insertEntries(c, inserts);
            flush(c, working.values());
        }
        return results;
    }

    private void insertEntries(Connection c, List<AuditEntry> entries) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(tables.insertLog)) {
            for (AuditEntry e : entries) {
                rows.bind(ps, e);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        try (PreparedStatement ps = c.prepareStatement(tables.insertOutbox)) {
            for (AuditEntry e : entries) {
                ps.setString(1, e.tenant());
                ps.setString(2, e.subject().value());
                ps.setString(3, e.id().toString());
                ps.setLong(4, e.link().sequence());
                dialect.bindInstant(ps, 5, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Locks the subjects' rows in a fixed order and loads their current state: a few statements however many
     * subjects the batch holds. A subject without a row is locked by inserting its row when the batch is
     * flushed: a concurrent first writer then fails on the primary key and the transaction is retried.
     */
    private Map<SubjectKey, Working> lockAndLoad(Connection c, Map<SubjectKey, Optional<SubjectId>> keys)
            throws SQLException {
        Map<SubjectKey, Working> working = new TreeMap<>();
        Map<String, List<SubjectId>> byTenant = new TreeMap<>();
        keys.keySet().forEach(k -> byTenant.computeIfAbsent(k.tenant, t -> new ArrayList<>()).add(k.subject));
        for (Map.Entry<String, List<SubjectId>> e : byTenant.entrySet()) {
            String tenant = e.getKey();
            Set<SubjectId> existing = new HashSet<>();
            forSubjects(c, tenant, "SELECT subject FROM " + tables.subject + " WHERE tenant = ? AND subject", e.getValue(),
                    " ORDER BY subject FOR UPDATE", rs -> existing.add(new SubjectId(rs.getString(1))));
            Set<SubjectId> erased = erasedAmong(c, tenant, e.getValue().stream().filter(s -> !existing.contains(s))
                    .collect(Collectors.toMap(s -> s, s -> keys.get(new SubjectKey(tenant, s)))));
            for (SubjectId s : erased) {
                working.put(new SubjectKey(tenant, s), new Working(new SubjectKey(tenant, s),
                        new SubjectState(tenant, s, Optional.empty(), Map.of(), true), false));
            }
            Map<SubjectId, SubjectState> states = existing.isEmpty() ? Map.of()
                    : readStates(c, tenant, List.copyOf(existing));
            for (SubjectId s : e.getValue()) {
                if (erased.contains(s)) {
                    continue;
                }
                SubjectState state = states.get(s);
                working.put(new SubjectKey(tenant, s), new Working(new SubjectKey(tenant, s),
                        state != null ? state : SubjectState.empty(tenant, s), existing.contains(s)));
            }
        }
        return working;
    }

    /** Which of the new subjects were erased: their pseudonym's chain is erased. */
    private Set<SubjectId> erasedAmong(Connection c, String tenant, Map<SubjectId, Optional<SubjectId>> pseudonyms)
            throws SQLException {
        Map<SubjectId, SubjectId> byPseudonym = new HashMap<>();
        pseudonyms.forEach((s, p) -> p.ifPresent(x -> byPseudonym.put(x, s)));
        if (byPseudonym.isEmpty()) {
            return Set.of();
        }
        Set<SubjectId> erased = new HashSet<>();
        forSubjects(c, tenant, "SELECT subject FROM " + tables.subject + " WHERE erased = TRUE AND tenant = ? AND subject",
                List.copyOf(byPseudonym.keySet()), "", rs -> erased.add(byPseudonym.get(new SubjectId(rs.getString(1)))));
        return erased;
    }

    /** The earlier consent records of the batch's idempotency keys, by tenant and key. */
    private Map<String, ConsentRecord> findByIdempotencyKeys(Connection c, List<AppendRequest> requests)
            throws SQLException {
        Map<String, ConsentRecord> found = new HashMap<>();
        Map<String, List<String>> byTenant = new TreeMap<>();
        for (AppendRequest r : requests) {
            r.idempotencyKey().ifPresent(k -> byTenant.computeIfAbsent(r.tenant(), t -> new ArrayList<>()).add(k));
        }
        for (Map.Entry<String, List<String>> e : byTenant.entrySet()) {
            List<String> keys = e.getValue().stream().distinct().toList();
            for (int from = 0; from < keys.size(); from += IN_LIST_CHUNK) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + IN_LIST_CHUNK));
                try (PreparedStatement ps = c.prepareStatement(tables.selectLog
                        + " WHERE l.tenant = ? AND l.idempotency_key IN (" + "?, ".repeat(chunk.size() - 1) + "?)")) {
                    ps.setString(1, e.getKey());
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ConsentRecord r = (ConsentRecord) rows.read(rs);
                            found.put(e.getKey() + '\u0000' + r.idempotencyKey().orElseThrow(), r);
                        }
                    }
                }
            }
        }
        return found;
    }

    @FunctionalInterface
    private interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    /**
     * Runs {@code head + " = ?"} / {@code " = ANY(?)"} / {@code " IN (...)"} + {@code tail} for the subjects, with
     * the tenant as first parameter, in chunks where the database has no array parameters.
     */
    private void forSubjects(Connection c, String tenant, String head, List<SubjectId> subjects, String tail,
                             RowConsumer consumer) throws SQLException {
        forSubjects(c, tenant, head, subjects, tail, List.of(), consumer);
    }

    /** As above; {@code tailParameters} are bound to the placeholders of {@code tail}, after the subjects. */
    private void forSubjects(Connection c, String tenant, String head, List<SubjectId> subjects, String tail,
                             List<String> tailParameters, RowConsumer consumer) throws SQLException {
        if (subjects.size() == 1 || !dialect.arrayParameters()) {
            for (int from = 0; from < subjects.size(); from += IN_LIST_CHUNK) {
                List<SubjectId> chunk = subjects.subList(from, Math.min(subjects.size(), from + IN_LIST_CHUNK));
                String in = chunk.size() == 1 ? " = ?" : " IN (" + "?, ".repeat(chunk.size() - 1) + "?)";
                try (PreparedStatement ps = c.prepareStatement(head + in + tail)) {
                    ps.setString(1, tenant);
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, chunk.get(i).value());
                    }
                    for (int i = 0; i < tailParameters.size(); i++) {
                        ps.setString(chunk.size() + 2 + i, tailParameters.get(i));
                    }
                    run(ps, consumer);
                }
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(head + " = ANY(?)" + tail)) {
            if (dialect == Dialect.POSTGRESQL) {
                PostgresStatements.planForEachExecution(ps);
            }
            ps.setString(1, tenant);
            ps.setArray(2, c.createArrayOf("VARCHAR", subjects.stream().map(SubjectId::value).toArray()));
            for (int i = 0; i < tailParameters.size(); i++) {
                ps.setString(3 + i, tailParameters.get(i));
            }
            run(ps, consumer);
        }
    }

    private static void run(PreparedStatement ps, RowConsumer consumer) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                consumer.accept(rs);
            }
        }
    }

    @Override
    public Optional<ErasureRecord> erase(String tenant, SubjectId subject, SubjectId pseudonym,
                                         Function<SubjectState, ErasureRecord> erasure) {
        return inTransaction("erase", c -> {
            try (PreparedStatement ps = c.prepareStatement(tables.lockSubject)) {
                ps.setString(1, tenant);
                ps.setString(2, subject.value());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ErasureRecord>empty();
                    }
                }
            }
            if (dialect == Dialect.POSTGRESQL) {
                try (Statement st = c.createStatement()) {
                    // lets the optional log-protection trigger allow this transaction's updates
                    st.execute("SET LOCAL consentkit.erasure = 'on'");
                }
            }
            update(c, "UPDATE " + tables.log + " SET subject = ?, ip_address = NULL, user_agent = NULL,"
                    + " comment_text = NULL, idempotency_key = NULL WHERE tenant = ? AND subject = ?",
                    pseudonym, tenant, subject);
            for (String table : List.of(tables.state, tables.preference, tables.outbox, tables.subject)) {
                update(c, "UPDATE " + table + " SET subject = ? WHERE tenant = ? AND subject = ?",
                        pseudonym, tenant, subject);
            }
            SubjectKey key = new SubjectKey(tenant, pseudonym);
            SubjectState state = Objects.requireNonNull(readStates(c, tenant, List.of(pseudonym)).get(pseudonym));
            Working w = new Working(key, state, true);
            ErasureRecord sealed = (ErasureRecord) AuditChain.seal(erasure.apply(w.snapshot()), w.head);
            w.add(c, sealed);
            insertEntries(c, List.of(sealed));
            flush(c, List.of(w));
            return Optional.of(sealed);
        });
    }

    private static void update(Connection c, String sql, SubjectId to, String tenant, SubjectId from)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, to.value());
            ps.setString(2, tenant);
            ps.setString(3, from.value());
            ps.executeUpdate();
        }
    }

    @Override
    @SuppressWarnings("NullAway") // its SqlWork returns null for "no result", which NullAway cannot type here
    public void savePurposes(String tenant, Collection<Purpose> purposes) {
        inTransaction("savePurposes", c -> {
            Set<String> existing = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT purpose_id, version FROM " + tables.purpose + " WHERE tenant = ?")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.add(rs.getString(1) + "#" + rs.getInt(2));
                    }
                }
            }
            List<Purpose> missing = purposes.stream()
                    .filter(p -> !existing.contains(p.id().value() + "#" + p.version())).toList();
            if (missing.isEmpty()) {
                return null;
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.purpose
                    + " (tenant, purpose_id, version, title, description, basis, data_categories, validity,"
                    + " reconsent_from_version, sale_or_share, direct_marketing, texts, saved_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Purpose p : missing) {
                    ps.setString(1, tenant);
                    ps.setString(2, p.id().value());
                    ps.setInt(3, p.version());
                    ps.setString(4, p.title());
                    ps.setString(5, p.description());
                    ps.setString(6, p.basis().name());
                    ps.setString(7, PurposeColumns.categories(p));
                    ps.setString(8, p.validity().map(Object::toString).orElse(null));
                    ps.setInt(9, p.reconsentFromVersion());
                    ps.setBoolean(10, p.saleOrShare());
                    ps.setBoolean(11, p.directMarketing());
                    ps.setString(12, PurposeColumns.texts(p));
                    dialect.bindInstant(ps, 13, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Every purpose version saved for {@code tenant} (managers save theirs when they are built), ordered by id
     * and version: what an auditor's tool declares when it opens the store without the application's code.
     */
    public List<Purpose> savedPurposes(String tenant) {
        return withConnection("savedPurposes", c -> {
            List<Purpose> result = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT purpose_id, version, title, description, basis,"
                    + " data_categories, validity, reconsent_from_version, sale_or_share, direct_marketing, texts FROM "
                    + tables.purpose + " WHERE tenant = ? ORDER BY purpose_id, version")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(PurposeColumns.read(rs));
                    }
                }
            }
            return result;
        });
    }

    // ------------------------------------------------------------------ reads

    @Override
    public Optional<SubjectState> state(String tenant, SubjectId subject) {
        return withConnection("state", c -> Optional.ofNullable(readStates(c, tenant, List.of(subject)).get(subject)));
    }

    @Override
    public Map<PurposeId, ConsentRecord> currentStatements(String tenant, SubjectId subject,
                                                           Collection<PurposeId> purposes) {
        if (purposes.isEmpty()) {
            return Map.of();
        }
        List<PurposeId> ids = List.copyOf(purposes);
        String sql = tables.selectStatements + (ids.size() == 1 ? " = ?" : " IN (" + "?, ".repeat(ids.size() - 1) + "?)");
        return withConnection("state", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenant);
                ps.setString(2, subject.value());
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 3, ids.get(i).value());
                }
                Map<PurposeId, ConsentRecord> result = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ConsentRecord r = (ConsentRecord) rows.read(rs);
                        result.put(r.purpose(), r);
                    }
                }
                return result;
            }
        });
    }

    /** One query (per chunk of 1,000 subjects without array parameters) over the state rows of those purposes. */
    @Override
    public Map<SubjectId, Map<PurposeId, ConsentRecord>> currentStatements(String tenant,
                                                                           Collection<SubjectId> subjects,
                                                                           Collection<PurposeId> purposes) {
        if (subjects.isEmpty() || purposes.isEmpty()) {
            return Map.of();
        }
        List<String> purposeIds = purposes.stream().map(PurposeId::value).distinct().toList();
        String tail = " AND s.purpose_id" + (purposeIds.size() == 1 ? " = ?"
                : " IN (" + "?, ".repeat(purposeIds.size() - 1) + "?)");
        return withConnection("currentStatements", c -> {
            Map<SubjectId, Map<PurposeId, ConsentRecord>> result = new HashMap<>();
            RowsOf rowsOf = new RowsOf();
            forSubjects(c, tenant, tables.selectStatementsOfSubjects, List.copyOf(subjects), tail, purposeIds, rs -> {
                ConsentRecord r = (ConsentRecord) rowsOf.reader(rs).read(rs);
                result.computeIfAbsent(r.subject(), k -> new HashMap<>()).put(r.purpose(), r);
            });
            return result;
        });
    }

    /** The entry reader of the result set being read, made once per result set rather than per row. */
    private final class RowsOf {
        private @Nullable ResultSet current;
        private EntryRows.@Nullable Reader reader;

        EntryRows.Reader reader(ResultSet rs) throws SQLException {
            if (rs != current || reader == null) {
                current = rs;
                reader = rows.reader(rs);
            }
            return reader;
        }
    }

    @Override
    public Map<SubjectId, SubjectState> states(String tenant, Collection<SubjectId> subjects) {
        if (subjects.isEmpty()) {
            return Map.of();
        }
        return withConnection("states", c -> readStates(c, tenant, subjects));
    }

    /** One query per call (per chunk of 1,000 subjects where the database has no array parameters). */
    private Map<SubjectId, SubjectState> readStates(Connection c, String tenant, Collection<SubjectId> subjects)
            throws SQLException {
        Map<SubjectId, StateBuilder> builders = new LinkedHashMap<>();
        RowsOf rowsOf = new RowsOf();
        forSubjects(c, tenant, tables.selectState, List.copyOf(subjects), "", rs -> {
            SubjectId subject = new SubjectId(rs.getString("h_subject"));
            StateBuilder b = builders.get(subject);
            if (b == null) {
                b = new StateBuilder(tenant, subject, rs.getLong("head_seq"), rs.getString("head_hash"),
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

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        return withConnection("preferences", c -> preferencesIn(c, tenant, subject));
    }

    private Map<String, PreferenceRecord> preferencesIn(Connection c, String tenant, SubjectId subject)
            throws SQLException {
        Map<String, PreferenceRecord> result = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(tables.selectPreferences)) {
            ps.setString(1, tenant);
            ps.setString(2, subject.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PreferenceRecord p = (PreferenceRecord) rows.read(rs);
                    result.put(p.key(), p);
                }
            }
        }
        return result;
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        return withConnection("findRecord", c -> {
            try (PreparedStatement ps = c.prepareStatement(tables.selectRecord)) {
                ps.setString(1, id.toString());
                ps.setString(2, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of((ConsentRecord) rows.read(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        return withConnection("head", c -> {
            try (PreparedStatement ps = c.prepareStatement(tables.selectHead)) {
                ps.setString(1, tenant);
                ps.setString(2, subject.value());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(1) == 0) {
                        return Optional.empty();
                    }
                    return Optional.of(new ChainLink(rs.getLong(1), "", rs.getString(2)));
                }
            }
        });
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        StringBuilder sql = new StringBuilder(tables.selectLog).append(" WHERE l.tenant = ?");
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        query.subject().ifPresent(s -> {
            sql.append(" AND l.subject = ?");
            params.add(s.value());
        });
        if (!query.purposes().isEmpty()) {
            sql.append(" AND l.purpose_id IN (").append("?, ".repeat(query.purposes().size() - 1)).append("?)");
            query.purposes().stream().map(PurposeId::value).sorted().forEach(params::add);
        }
        query.recordedFrom().ifPresent(t -> {
            sql.append(" AND l.recorded_at >= ?");
            params.add(t);
        });
        query.recordedTo().ifPresent(t -> {
            sql.append(" AND l.recorded_at < ?");
            params.add(t);
        });
        sql.append(query.subject().isPresent() ? " ORDER BY l.seq" : " ORDER BY l.log_id");
        return stream("history", sql.toString(), params);
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        String sql = tables.selectLog + " WHERE l.tenant = ?";
        if (subject.isPresent()) {
            sql += " AND l.subject = ?";
            params.add(subject.get().value());
        }
        return stream("chains", sql + " ORDER BY l.subject, l.seq", params);
    }

    /**
     * Verifies with one streamed query that reads each entry together with its subject's recorded head, instead
     * of one head query per subject.
     */
    @Override
    public dev.consentkit.core.VerificationReport verify(String tenant, Optional<SubjectId> subject) {
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        String sql = tables.selectLog.replace(" FROM " + tables.log + " l", ", h.head_seq AS h_seq, h.head_hash AS h_hash"
                + " FROM " + tables.log + " l LEFT JOIN " + tables.subject + " h ON h.tenant = l.tenant AND h.subject = l.subject")
                + " WHERE l.tenant = ?";
        if (subject.isPresent()) {
            sql += " AND l.subject = ?";
            params.add(subject.get().value());
        }
        // heads of the subjects read so far in this pass; verify asks for a subject's head right after its chain
        Map<SubjectId, Optional<ChainLink>> heads = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<SubjectId, Optional<ChainLink>> eldest) {
                return size() > 2;
            }
        };
        try (Stream<AuditEntry> entries = stream("verify", sql + " ORDER BY l.subject, l.seq", params, result -> {
            EntryRows.Reader entry = rows.reader(result);
            int headSeq = result.findColumn("h_seq");
            int headHash = result.findColumn("h_hash");
            return rs -> {
                AuditEntry e = entry.read(rs);
                long seq = rs.getLong(headSeq);
                heads.put(e.subject(), rs.wasNull() || seq == 0 ? Optional.empty()
                        : Optional.of(new ChainLink(seq, "", rs.getString(headHash))));
                return e;
            };
        })) {
            return AuditChain.verify(entries, (t, s) -> heads.containsKey(s) ? heads.get(s) : head(t, s));
        }
    }

    /** A lazily read result set; the connection is released when the stream is closed. */
    private Stream<AuditEntry> stream(String operation, String sql, List<Object> params) {
        return stream(operation, sql, params, result -> rows.reader(result)::read);
    }

    @FunctionalInterface
    private interface RowReader {
        AuditEntry read(ResultSet rs) throws SQLException;
    }

    /** Makes the row reader for one result set (looking column positions up once). */
    @FunctionalInterface
    private interface RowReaders {
        RowReader forResult(ResultSet rs) throws SQLException;
    }

    private Stream<AuditEntry> stream(String operation, String sql, List<Object> params, RowReaders readers) {
        Connection c = null;
        PreparedStatement ps = null;
        ResultSet rs = null;
        RowReader reader;
        boolean restoreAutoCommit = false;
        try {
            c = dataSource.getConnection();
            if (c.getAutoCommit() && dialect == Dialect.POSTGRESQL) {
                c.setAutoCommit(false); // PostgreSQL uses a cursor only inside a transaction
                restoreAutoCommit = true;
            }
            ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            ps.setFetchSize(fetchSize);
            if (dialect == Dialect.POSTGRESQL) {
                PostgresStatements.transferBinary(ps);
            }
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Instant t) {
                    dialect.bindInstant(ps, i + 1, t);
                } else {
                    ps.setString(i + 1, (String) p);
                }
            }
            rs = ps.executeQuery();
            reader = readers.forResult(rs);
        } catch (SQLException e) {
            closeQuietly(rs, ps, c, restoreAutoCommit);
            throw failure(operation, e);
        }
        Cursor cursor = new Cursor(operation, c, ps, rs, restoreAutoCommit, reader);
        return StreamSupport.stream(cursor, false).onClose(cursor::close);
    }

    private final class Cursor extends Spliterators.AbstractSpliterator<AuditEntry> {
        private final String operation;
        private final Connection connection;
        private final PreparedStatement statement;
        private final ResultSet resultSet;
        private final boolean restoreAutoCommit;
        private final RowReader reader;
        private boolean closed;

        Cursor(String operation, Connection connection, PreparedStatement statement, ResultSet resultSet,
               boolean restoreAutoCommit, RowReader reader) {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            this.operation = operation;
            this.connection = connection;
            this.statement = statement;
            this.resultSet = resultSet;
            this.restoreAutoCommit = restoreAutoCommit;
            this.reader = reader;
        }

        @Override
        public boolean tryAdvance(Consumer<? super AuditEntry> action) {
            if (closed) {
                return false;
            }
            try {
                if (!resultSet.next()) {
                    return false;
                }
                action.accept(reader.read(resultSet));
                return true;
            } catch (SQLException e) {
                close();
                throw failure(operation, e);
            }
        }

        void close() {
            if (!closed) {
                closed = true;
                closeQuietly(resultSet, statement, connection, restoreAutoCommit);
            }
        }
    }

    private static void closeQuietly(@Nullable ResultSet rs, @Nullable PreparedStatement ps, @Nullable Connection c,
                                     boolean restoreAutoCommit) {
        try {
            if (rs != null) {
                rs.close();
            }
        } catch (SQLException ignored) {
            // closing anyway
        }
        try {
            if (ps != null) {
                ps.close();
            }
        } catch (SQLException ignored) {
            // closing anyway
        }
        if (c != null) {
            try {
                if (restoreAutoCommit) {
                    c.rollback(); // read-only: nothing to keep
                    c.setAutoCommit(true);
                }
            } catch (SQLException ignored) {
                // the connection is closed below
            }
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing more to do
            }
        }
    }

    // ------------------------------------------------------------------ schema

    /**
     * Runs the shipped schema script for this database, with the configured prefix and schema, unless the log
     * table already exists. For quick starts and tests; production schemas belong in migrations.
     */
    @SuppressWarnings("NullAway") // its SqlWork returns null for "no result", which NullAway cannot type here
    public void createSchemaIfMissing() {
        inTransaction("createSchema", c -> {
            if (tableExists(c)) {
                return null;
            }
            try (Statement st = c.createStatement()) {
                for (String statement : schemaStatements()) {
                    st.execute(statement);
                }
            }
            log.info("ConsentKit schema created ({}, prefix {})", dialect.platform(), tables.log);
            return null;
        });
    }

    private boolean tableExists(Connection c) {
        try (Statement st = c.createStatement()) {
            st.setMaxRows(1);
            st.executeQuery("SELECT 1 FROM " + tables.log + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            try {
                if (!c.getAutoCommit()) {
                    // PostgreSQL aborts the transaction on any error: start clean
                    c.rollback();
                }
            } catch (SQLException ignored) {
                // the caller's statement will report the problem
            }
            return false;
        }
    }

    /**
     * PostgreSQL only: installs the optional trigger that makes the log append-only (DELETE refused, UPDATE
     * refused outside {@link #erase}); the same as the shipped {@code log-protection-postgresql.sql} with this
     * store's prefix and schema. Run it as the owner of the tables.
     *
     * @throws UnsupportedOperationException on other databases: use the shipped grants scripts there
     */
    @SuppressWarnings("NullAway") // its SqlWork returns null for "no result", which NullAway cannot type here
    public void installLogProtection() {
        if (dialect != Dialect.POSTGRESQL) {
            throw new UnsupportedOperationException("The log-protection trigger is for PostgreSQL; on "
                    + dialect.platform() + " use grants (see grants-mariadb.sql)");
        }
        String prefix = tables.log.substring(0, tables.log.length() - "log".length());
        String bare = prefix.contains(".") ? prefix.substring(prefix.indexOf('.') + 1) : prefix;
        String script = resource("dev/consentkit/jdbc/log-protection-postgresql.sql")
                .replace("FUNCTION consent_log_protect", "FUNCTION " + prefix + "log_protect")
                .replace("TRIGGER consent_log_protect", "TRIGGER " + bare + "log_protect")
                .replace("ON consent_log", "ON " + tables.log);
        inTransaction("installLogProtection", c -> {
            try (Statement st = c.createStatement()) {
                st.execute(script);
            }
            return null;
        });
    }

    private static String resource(String name) {
        try (InputStream in = JdbcConsentStore.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Script missing from the jar: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + name, e);
        }
    }

    /** The schema script's statements with the configured prefix and schema applied. */
    List<String> schemaStatements() {
        String script = resource(dialect.schemaResource());
        String prefix = tables.log.substring(0, tables.log.length() - "log".length());
        String bare = prefix.contains(".") ? prefix.substring(prefix.indexOf('.') + 1) : prefix;
        List<String> statements = new ArrayList<>();
        String withoutComments = script.lines().filter(l -> !l.trim().startsWith("--"))
                .collect(Collectors.joining("\n"));
        for (String part : withoutComments.split(";")) {
            String sql = part.trim();
            if (sql.isEmpty()) {
                continue;
            }
            // tables are qualified by schema; constraint and index names only carry the prefix
            sql = sql.replaceAll("(?i)(TABLE|INDEX [a-z_]+ ON|JOIN|INTO) consent_", "$1 " + prefix)
                    .replace("CONSTRAINT consent_", "CONSTRAINT " + bare)
                    .replace("INDEX consent_", "INDEX " + bare);
            statements.add(sql);
        }
        return statements;
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    interface SqlWork<T extends @Nullable Object> {
        T run(Connection c) throws SQLException;
    }

    <T extends @Nullable Object> T withConnection(String operation, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /** Runs {@code work} in its own transaction, or joins the caller's if the connection has one. */
    <T extends @Nullable Object> T inTransaction(String operation, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            Connection c;
            try {
                c = dataSource.getConnection();
            } catch (SQLException e) {
                throw failure(operation, e);
            }
            boolean owned = false;
            try {
                owned = c.getAutoCommit();
                if (owned) {
                    c.setAutoCommit(false);
                    if (dialect == Dialect.MARIADB || dialect == Dialect.MYSQL) {
                        // InnoDB's default REPEATABLE READ gap-locks the missing rows of new subjects, so two
                        // first writers deadlock on their inserts; under READ COMMITTED the second one waits
                        // for the first and then retries on the duplicate key. Applies to this transaction only.
                        try (Statement st = c.createStatement()) {
                            st.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
                        }
                    }
                }
                T result = work.run(c);
                if (owned) {
                    c.commit();
                }
                return result;
            } catch (SQLException e) {
                rollbackQuietly(c, owned);
                if (owned && attempt < maxAttempts && dialect.isRetryable(e)) {
                    log.debug("Retrying {} after SQLState {} (attempt {})", operation, e.getSQLState(), attempt);
                    backOff(attempt);
                    continue;
                }
                throw failure(operation, e);
            } catch (RuntimeException | Error e) {
                rollbackQuietly(c, owned);
                throw e;
            } finally {
                try {
                    if (owned) {
                        c.setAutoCommit(true);
                    }
                } catch (SQLException ignored) {
                    // the connection is being closed anyway
                }
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // nothing more to do
                }
            }
        }
    }

    /** A short random pause before a retry, growing with the attempt, so that colliding writers fall apart. */
    private static void backOff(int attempt) {
        long bound = Math.min(200, 5L << Math.min(attempt, 5));
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, bound + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rollbackQuietly(Connection c, boolean owned) {
        if (!owned) {
            return;
        }
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection may be dead; the database rolls back on its own
        }
    }

    /** Never includes the driver's message: it may quote subject ids from the failing row. */
    private static ConsentStoreException failure(String operation, SQLException e) {
        return new ConsentStoreException(operation, "SQLState " + e.getSQLState() + ", vendor code "
                + e.getErrorCode(), e);
    }

    private record SubjectKey(String tenant, SubjectId subject) implements Comparable<SubjectKey> {
        @Override
        public int compareTo(SubjectKey o) {
            int t = tenant.compareTo(o.tenant);
            return t != 0 ? t : subject.compareTo(o.subject);
        }
    }

    private static final class StateBuilder {
        final String tenant;
        final SubjectId subject;
        final long headSeq;
        final String headHash;
        final boolean erased;
        final Map<PurposeId, ConsentRecord> current = new HashMap<>();

        StateBuilder(String tenant, SubjectId subject, long headSeq, String headHash, boolean erased) {
            this.tenant = tenant;
            this.subject = subject;
            this.headSeq = headSeq;
            this.headHash = headHash;
            this.erased = erased;
        }

        SubjectState build() {
            return new SubjectState(tenant, subject, Optional.of(new ChainLink(headSeq, "", headHash)), current, erased);
        }
    }

    /** One subject's state inside a write transaction, and the rows to write when it commits. */
    private final class Working {
        final SubjectKey key;
        final boolean rowExisted;
        final Map<PurposeId, ConsentRecord> current;
        final Set<PurposeId> existingState;
        final Set<PurposeId> changedState = new HashSet<>();
        @Nullable Map<String, PreferenceRecord> preferences;
        Set<String> existingPreferences = Set.of();
        final Set<String> changedPreferences = new HashSet<>();
        Optional<ChainLink> head;
        boolean erased;
        boolean headMoved;

        Working(SubjectKey key, SubjectState state, boolean rowExisted) {
            this.key = key;
            this.rowExisted = rowExisted;
            this.current = new HashMap<>(state.current());
            this.existingState = new HashSet<>(state.current().keySet());
            this.head = state.head();
            this.erased = state.erased();
        }

        SubjectState snapshot() {
            return new SubjectState(key.tenant, key.subject, head, current, erased);
        }

        void add(Connection c, AuditEntry e) throws SQLException {
            if (e instanceof ConsentRecord r) {
                ConsentRecord existing = current.get(r.purpose());
                if (existing == null || SubjectState.supersedes(r, existing)) {
                    current.put(r.purpose(), r);
                    changedState.add(r.purpose());
                }
            } else if (e instanceof PreferenceRecord p) {
                if (preferences == null) { // loaded only when a preference is written
                    preferences = rowExisted ? preferencesIn(c, key.tenant, key.subject) : new HashMap<>();
                    existingPreferences = new HashSet<>(preferences.keySet());
                    preferences = new HashMap<>(preferences);
                }
                preferences.put(p.key(), p);
                changedPreferences.add(p.key());
            } else if (e instanceof ErasureRecord) {
                erased = true;
            }
            head = Optional.of(e.link());
            headMoved = true;
        }
    }

    /** Writes the state, preference and head rows of every subject that moved: one batch per statement. */
    private void flush(Connection c, Collection<Working> all) throws SQLException {
        List<Working> moved = all.stream().filter(w -> w.headMoved).toList();
        try (PreparedStatement insert = c.prepareStatement(tables.insertState);
             PreparedStatement update = c.prepareStatement(tables.updateState)) {
            int inserts = 0;
            int updates = 0;
            for (Working w : moved) {
                for (PurposeId id : w.changedState) {
                    boolean existed = w.existingState.contains(id);
                    keyRow(existed ? update : insert, Objects.requireNonNull(w.current.get(id)).id(), w.key, id.value());
                    if (existed) {
                        updates++;
                    } else {
                        inserts++;
                    }
                }
            }
            if (inserts > 0) {
                insert.executeBatch();
            }
            if (updates > 0) {
                update.executeBatch();
            }
        }
        for (Working w : moved) {
            for (String k : w.changedPreferences) {
                try (PreparedStatement ps = c.prepareStatement(w.existingPreferences.contains(k)
                        ? tables.updatePreference : tables.insertPreference)) {
                    keyRow(ps, Objects.requireNonNull(Objects.requireNonNull(w.preferences).get(k)).id(), w.key, k);
                    ps.executeBatch();
                }
            }
        }
        try (PreparedStatement update = c.prepareStatement(tables.updateSubject);
             PreparedStatement insert = c.prepareStatement(tables.insertSubject)) {
            int updates = 0;
            int inserts = 0;
            for (Working w : moved) {
                ChainLink head = w.head.orElseThrow();
                if (w.rowExisted) {
                    update.setLong(1, head.sequence());
                    update.setString(2, head.hash());
                    update.setBoolean(3, w.erased);
                    update.setString(4, w.key.tenant);
                    update.setString(5, w.key.subject.value());
                    update.addBatch();
                    updates++;
                } else {
                    insert.setString(1, w.key.tenant);
                    insert.setString(2, w.key.subject.value());
                    insert.setLong(3, head.sequence());
                    insert.setString(4, head.hash());
                    insert.setBoolean(5, w.erased);
                    insert.addBatch();
                    inserts++;
                }
            }
            if (updates > 0) {
                update.executeBatch();
            }
            if (inserts > 0) {
                insert.executeBatch();
            }
        }
    }

    private static void keyRow(PreparedStatement ps, UUID entry, SubjectKey key, String name) throws SQLException {
        ps.setString(1, entry.toString());
        ps.setString(2, key.tenant);
        ps.setString(3, key.subject.value());
        ps.setString(4, name);
        ps.addBatch();
    }

    /** Builds a {@link JdbcConsentStore}. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable Dialect dialect;
        private String tablePrefix = "consent_";
        private @Nullable String schema;
        private int maxAttempts = 5;
        private int fetchSize = 500;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The DataSource (required); a pooled one such as HikariCP in production. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** Overrides the dialect detected from the connection's metadata. */
        public Builder dialect(Dialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /** Prefix of every table name; default {@code consent_}. Letters, digits and underscores. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Objects.requireNonNull(tablePrefix, "tablePrefix");
            return this;
        }

        /** The schema (PostgreSQL, H2) or database (MariaDB, MySQL) holding the tables; default: the connection's. */
        public Builder schema(@Nullable String schema) {
            this.schema = schema;
            return this;
        }

        /** How often a write is tried when the database reports a deadlock or serialization failure; default 5. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Rows fetched per round trip when streaming history; default 500. */
        public Builder fetchSize(int fetchSize) {
            this.fetchSize = fetchSize;
            return this;
        }

        /** The clock for outbox and purpose timestamps; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the store, detecting the dialect unless one was set.
         *
         * @throws IllegalStateException naming the missing or invalid property
         * @throws ConsentStoreException if the dialect must be detected and no connection can be had
         */
        public JdbcConsentStore build() {
            if (dataSource == null) {
                throw new IllegalStateException("dataSource is required");
            }
            if (!tablePrefix.isEmpty() && !IDENTIFIER.matcher(tablePrefix).matches()) {
                throw new IllegalStateException("tablePrefix must be letters, digits and underscores (at most 41)");
            }
            if (schema != null && !IDENTIFIER.matcher(schema).matches()) {
                throw new IllegalStateException("schema must be letters, digits and underscores (at most 41)");
            }
            if (maxAttempts < 1) {
                throw new IllegalStateException("maxAttempts must be at least 1");
            }
            if (fetchSize < 1) {
                throw new IllegalStateException("fetchSize must be at least 1");
            }
            Dialect d = dialect;
            if (d == null) {
                try (Connection c = dataSource.getConnection()) {
                    d = Dialect.detect(c);
                } catch (SQLException e) {
                    throw failure("detectDialect", e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            return new JdbcConsentStore(this, d);
        }
    }
}
