package dev.consentkit.jdbc.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.internal.AuditChain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
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
     * Verifies with one streamed query that reads each entry together with its subject's recorded head, instead
     * of one head query per subject; {@code head} answers for a subject the stream has not shown.
     */
    public VerificationReport verify(
            String tenant, Optional<SubjectId> subject, BiFunction<String, SubjectId, Optional<ChainLink>> head) {
        // heads of the subjects read so far in this pass; verify asks for a subject's head right after its chain
        Map<SubjectId, Optional<ChainLink>> heads = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<SubjectId, Optional<ChainLink>> eldest) {
                return size() > 2;
            }
        };
        try (Stream<AuditEntry> entries =
                stream("verify", sql.chainsWithHeads(subject.isPresent()), parameters(tenant, subject), result -> {
                    EntryRows.Reader entry = rows.reader(result);
                    int headSeq = result.findColumn("h_seq");
                    int headHash = result.findColumn("h_hash");
                    return rs -> {
                        AuditEntry e = entry.read(rs);
                        long seq = rs.getLong(headSeq);
                        heads.put(
                                e.subject(),
                                rs.wasNull() || seq == 0
                                        ? Optional.empty()
                                        : Optional.of(new ChainLink(seq, "", rs.getString(headHash))));
                        return e;
                    };
                })) {
            return AuditChain.verify(entries, (t, s) -> heads.containsKey(s) ? heads.get(s) : head.apply(t, s));
        }
    }

    private static List<Object> parameters(String tenant, Optional<SubjectId> subject) {
        List<Object> params = new ArrayList<>();
        params.add(tenant);
        subject.ifPresent(s -> params.add(s.value()));
        return params;
    }

    @FunctionalInterface
    interface RowReader {
        AuditEntry read(ResultSet rs) throws SQLException;
    }

    /** Makes the row reader for one result set (looking column positions up once). */
    @FunctionalInterface
    interface RowReaders {
        RowReader forResult(ResultSet rs) throws SQLException;
    }

    /** A lazily read result set; the connection is released when the stream is closed. */
    private Stream<AuditEntry> stream(String operation, String statement, List<Object> params, RowReaders readers) {
        Connection c = null;
        PreparedStatement ps = null;
        ResultSet rs = null;
        RowReader reader;
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
        Cursor cursor = new Cursor(operation, c, ps, rs, restoreAutoCommit, reader);
        return StreamSupport.stream(cursor, false).onClose(cursor::close);
    }

    private static final class Cursor extends Spliterators.AbstractSpliterator<AuditEntry> {
        private final String operation;
        private final Connection connection;
        private final PreparedStatement statement;
        private final ResultSet resultSet;
        private final boolean restoreAutoCommit;
        private final RowReader reader;
        private boolean closed;

        Cursor(
                String operation,
                Connection connection,
                PreparedStatement statement,
                ResultSet resultSet,
                boolean restoreAutoCommit,
                RowReader reader) {
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
