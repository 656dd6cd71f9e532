package dev.consentkit.jdbc.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.VerificationReport.BrokenChain;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.core.internal.StateVerifier;
import dev.consentkit.core.spi.CheckpointLeaf;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.SubjectRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Streams of log entries read lazily through a server-side cursor: each
 * stream holds a connection until it is closed.
 */
public final class EntryStreams {

    private final Transactions transactions;
    private final SqlStatements sql;
    private final EntryRows rows;
    private final int fetchSize;

    public EntryStreams(Transactions transactions, SqlStatements sql, EntryRows rows, int fetchSize) {
        this.transactions = transactions;
        this.sql = sql;
        this.rows = rows;
        this.fetchSize = fetchSize;
    }

    /** Entries matching {@code query}: by sequence for one subject, else in append order. */
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        // Every stored instant lies in the database's range, so a bound outside it either holds for every entry
        // (and is left out: it could not be bound) or for none (and nothing needs to be read).
        Instant earliest = sql.earliestStorable();
        Instant latest = sql.latestStorable();
        Optional<Instant> from = query.recordedFrom().filter(f -> f.isAfter(earliest));
        Optional<Instant> to = query.recordedTo().filter(t -> !t.isAfter(latest));
        if (from.filter(f -> f.isAfter(latest)).isPresent()
                || to.filter(t -> !t.isAfter(earliest)).isPresent()) {
            return Stream.empty();
        }
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        query.subject().ifPresent(s -> params.add(s.value()));
        query.purposes().stream().map(PurposeId::value).sorted().forEach(params::add);
        from.ifPresent(params::add);
        to.ifPresent(params::add);
        String statement =
                sql.history(query.subject().isPresent(), query.purposes().size(), from.isPresent(), to.isPresent());
        return stream("history", statement, params, result -> rows.reader(result)::read);
    }

    /** A tenant's entries (or one subject's) by subject and sequence. */
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        return stream(
                "chains",
                sql.chains(subject.isPresent()),
                parameters(tenant, subject),
                result -> rows.reader(result)::read);
    }

    /**
     * The tenant's subjects with their current records on {@code purposes}, from one streamed statement over the
     * deciding values of the state rows ordered by subject (see {@link SqlStatements#audience}); the rows of one
     * subject are put together as they arrive, so nothing but one subject is held.
     */
    public Stream<SubjectRecords> audience(String tenant, Collection<PurposeId> purposes, boolean everySubject) {
        List<PurposeId> asked = List.copyOf(new LinkedHashSet<>(purposes));
        if (asked.isEmpty()) {
            return Stream.empty();
        }
        List<Object> params = new ArrayList<>(sql.audienceParameters(
                tenant, asked.stream().map(PurposeId::value).toList(), everySubject));
        Stream<AudienceRow> rows = stream("audience", sql.audience(asked.size(), everySubject), params, result -> {
            DecidingRows deciding = new DecidingRows(sql, result, asked);
            int erased = result.findColumn("erased");
            return rs -> new AudienceRow(deciding.subject(rs), deciding.read(rs), rs.getBoolean(erased));
        });
        return groupBySubject(rows);
    }

    /** One row of an audience statement: a subject, one of its records (or none) and its erased flag. */
    private record AudienceRow(String subject, @Nullable DecidingRecord record, boolean erased) {}

    /** Consecutive rows of one subject as one {@link SubjectRecords}; closing the result closes {@code rows}. */
    private static Stream<SubjectRecords> groupBySubject(Stream<AudienceRow> rows) {
        Iterator<AudienceRow> it = rows.iterator();
        Spliterator<SubjectRecords> grouped =
                new Spliterators.AbstractSpliterator<SubjectRecords>(
                        Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
                    private @Nullable AudienceRow pending;

                    @Override
                    public boolean tryAdvance(Consumer<? super SubjectRecords> action) {
                        AudienceRow first = pending;
                        pending = null;
                        if (first == null) {
                            if (!it.hasNext()) {
                                return false;
                            }
                            first = it.next();
                        }
                        List<DecidingRecord> records = new ArrayList<>(2);
                        boolean erased = first.erased();
                        AudienceRow row = first;
                        while (true) {
                            DecidingRecord r = row.record();
                            if (r != null) {
                                records.add(r);
                            }
                            if (!it.hasNext()) {
                                break;
                            }
                            AudienceRow next = it.next();
                            if (!next.subject().equals(first.subject())) {
                                pending = next;
                                break;
                            }
                            row = next;
                        }
                        action.accept(new SubjectRecords(new SubjectId(first.subject()), records, erased));
                        return true;
                    }
                };
        return StreamSupport.stream(grouped, false).onClose(rows::close);
    }

    /**
     * Verifies with one streamed query that reads each entry together with its subject's recorded head, erased flag
     * and the current-record and current-preference rows that point at it, instead of queries per subject, then
     * with one more query finds the heads without entries. A row that cannot be read as an entry is reported, not
     * thrown; {@code head} answers for a subject the stream has not shown.
     */
    public VerificationReport verify(
            String tenant, Optional<SubjectId> subject, BiFunction<String, SubjectId, Optional<ChainLink>> head) {
        // what the store holds for the subjects read so far in this pass; verify asks right after a subject's chain
        Map<SubjectId, Holding> holdings = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<SubjectId, Holding> eldest) {
                return size() > 2;
            }
        };
        VerificationReport chains;
        try (Stream<StateVerifier.Row> entries =
                stream("verify", sql.chainsWithHeads(subject.isPresent()), parameters(tenant, subject), result -> {
                    EntryRows.Reader entry = rows.reader(result);
                    int entryId = result.findColumn("entry_id");
                    int tenantColumn = result.findColumn("tenant");
                    int subjectColumn = result.findColumn("subject");
                    int seq = result.findColumn("seq");
                    int headSeq = result.findColumn("h_seq");
                    int headHash = result.findColumn("h_hash");
                    int erased = result.findColumn("h_erased");
                    int stateEntry = result.findColumn("s_entry");
                    int preferenceEntry = result.findColumn("p_entry");
                    int stateRows = result.findColumn("s_rows");
                    int preferenceRows = result.findColumn("p_rows");
                    return rs -> {
                        SubjectId s = new SubjectId(rs.getString(subjectColumn));
                        Holding h = holdings.get(s);
                        if (h == null) {
                            long hs = rs.getLong(headSeq);
                            Optional<ChainLink> link = rs.wasNull() || hs == 0
                                    ? Optional.empty()
                                    : Optional.of(new ChainLink(hs, "", rs.getString(headHash)));
                            h = new Holding(link, rs.getBoolean(erased));
                            holdings.put(s, h);
                        }
                        long n = rs.getLong(stateRows);
                        if (!rs.wasNull()) {
                            h.stateRows = n;
                        }
                        n = rs.getLong(preferenceRows);
                        if (!rs.wasNull()) {
                            h.preferenceRows = n;
                        }
                        String id = rs.getString(entryId);
                        if (rs.getString(stateEntry) != null) {
                            h.stateEntries.add(UUID.fromString(id));
                        }
                        if (rs.getString(preferenceEntry) != null) {
                            h.preferenceEntries.add(UUID.fromString(id));
                        }
                        try {
                            return StateVerifier.Row.of(entry.read(rs));
                        } catch (RuntimeException | SQLException e) { // SQLException: an unknown kind
                            return StateVerifier.Row.malformed(
                                    rs.getString(tenantColumn), s, rs.getLong(seq), uuid(id));
                        }
                    };
                })) {
            chains = AuditChain.verifyRows(entries, (t, s) -> {
                Holding h = holdings.get(s);
                return h == null ? StateVerifier.Stored.headOnly(head.apply(t, s)) : h.stored();
            });
        }
        List<BrokenChain> broken = new ArrayList<>(chains.brokenChains());
        long subjects = chains.subjectsChecked();
        try (Stream<BrokenChain> orphans = stream(
                "verify",
                sql.headsWithoutEntries(subject.isPresent()),
                parameters(tenant, subject),
                result -> rs -> new BrokenChain(
                        tenant,
                        new SubjectId(rs.getString(1)),
                        Optional.empty(),
                        rs.getLong(2),
                        Problem.HEAD_WITHOUT_ENTRIES))) {
            for (Iterator<BrokenChain> it = orphans.iterator(); it.hasNext(); ) {
                broken.add(it.next());
                subjects++;
            }
        }
        return new VerificationReport(chains.recordsChecked(), subjects, broken);
    }

    /** Each chain's last entry recorded at or before {@code until}, by hash, through a cursor. */
    public Stream<CheckpointLeaf> checkpointLeaves(String tenant, Instant until) {
        return stream(
                "checkpointLeaves",
                sql.checkpointLeaves(),
                List.of(tenant, until, tenant),
                result -> rs -> new CheckpointLeaf(rs.getLong(1), rs.getString(2)));
    }

    private static Optional<UUID> uuid(@Nullable String id) {
        try {
            return id == null ? Optional.empty() : Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What the store holds beside one subject's chain, gathered while its rows are read. */
    private static final class Holding {
        final Optional<ChainLink> head;
        final boolean erased;
        final Set<UUID> stateEntries = new HashSet<>();
        final Set<UUID> preferenceEntries = new HashSet<>();
        long stateRows;
        long preferenceRows;

        Holding(Optional<ChainLink> head, boolean erased) {
            this.head = head;
            this.erased = erased;
        }

        StateVerifier.Stored stored() {
            return new StateVerifier.Stored(
                    head, true, erased, stateEntries, stateRows, preferenceEntries, preferenceRows);
        }
    }

    private static List<Object> parameters(String tenant, Optional<SubjectId> subject) {
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        subject.ifPresent(s -> params.add(s.value()));
        return params;
    }

    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Makes the row reader for one result set (looking column positions up once). */
    @FunctionalInterface
    interface RowReaders<T> {
        RowReader<T> forResult(ResultSet rs) throws SQLException;
    }

    /** A lazily read result set; the connection is released when the stream is closed. */
    private <T> Stream<T> stream(String operation, String statement, List<Object> params, RowReaders<T> readers) {
        Connection c = null;
        PreparedStatement ps = null;
        ResultSet rs = null;
        RowReader<T> reader;
        boolean restoreAutoCommit = false;
        try {
            c = transactions.connection();
            if (c.getAutoCommit() && sql.cursorNeedsTransaction()) {
                c.setAutoCommit(false);
                restoreAutoCommit = true;
            }
            ps = c.prepareStatement(statement, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            ps.setFetchSize(fetchSize);
            sql.beforeStreaming(ps);
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Instant t) {
                    sql.bindInstant(ps, i + 1, t);
                } else {
                    ps.setString(i + 1, (String) p);
                }
            }
            rs = ps.executeQuery();
            reader = readers.forResult(rs);
        } catch (SQLException e) {
            closeQuietly(rs, ps, c, restoreAutoCommit);
            throw Transactions.failure(operation, e);
        }
        Cursor<T> cursor = new Cursor<>(operation, c, ps, rs, restoreAutoCommit, reader);
        return StreamSupport.stream(cursor, false).onClose(cursor::close);
    }

    private static final class Cursor<T> extends Spliterators.AbstractSpliterator<T> {
        private final String operation;
        private final Connection connection;
        private final PreparedStatement statement;
        private final ResultSet resultSet;
        private final boolean restoreAutoCommit;
        private final RowReader<T> reader;
        private boolean closed;

        Cursor(
                String operation,
                Connection connection,
                PreparedStatement statement,
                ResultSet resultSet,
                boolean restoreAutoCommit,
                RowReader<T> reader) {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            this.operation = operation;
            this.connection = connection;
            this.statement = statement;
            this.resultSet = resultSet;
            this.restoreAutoCommit = restoreAutoCommit;
            this.reader = reader;
        }

        @Override
        public boolean tryAdvance(Consumer<? super T> action) {
            if (closed) {
                return false;
            }
            try {
                if (!resultSet.next()) {
                    return false;
                }
                T row;
                try {
                    row = reader.read(resultSet);
                } catch (RuntimeException e) {
                    // the row's values may be personal data: name the operation and what failed, not the values
                    close();
                    throw new ConsentStoreException(
                            operation,
                            "a stored row cannot be read as an entry",
                            new IllegalStateException(e.getClass().getName()));
                }
                action.accept(row);
                return true;
            } catch (SQLException e) {
                close();
                throw Transactions.failure(operation, e);
            }
        }

        void close() {
            if (!closed) {
                closed = true;
                closeQuietly(resultSet, statement, connection, restoreAutoCommit);
            }
        }
    }

    private static void closeQuietly(
            @Nullable ResultSet rs, @Nullable PreparedStatement ps, @Nullable Connection c, boolean restoreAutoCommit) {
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
}
