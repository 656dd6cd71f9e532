package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.spi.CheckpointLeaf;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectRecords;
import dev.consentkit.core.spi.SubjectState;
import dev.consentkit.jdbc.internal.ChangeNotices;
import dev.consentkit.jdbc.internal.EntryRows;
import dev.consentkit.jdbc.internal.EntryStreams;
import dev.consentkit.jdbc.internal.JdbcTransaction;
import dev.consentkit.jdbc.internal.Outbox;
import dev.consentkit.jdbc.internal.SchemaScripts;
import dev.consentkit.jdbc.internal.SchemaVersion;
import dev.consentkit.jdbc.internal.SqlStatements;
import dev.consentkit.jdbc.internal.StoreQueries;
import dev.consentkit.jdbc.internal.Tables;
import dev.consentkit.jdbc.internal.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConsentStore} on PostgreSQL, MariaDB/MySQL or H2 over a plain {@link DataSource}; no ORM.
 *
 * <p>Each write is one transaction: the subject's row in the {@code subject} table is locked
 * ({@code SELECT ... FOR UPDATE}), the idempotency key is looked up, the entries are appended to the log,
 * the current state, the chain head and the outbox move with them, and the transaction commits — or nothing
 * is written. Writers of one subject are serialised by that row lock, so any number of application instances
 * can share the database. A subject's first write inserts its row without a head and locks it before anything
 * else, so concurrent first writers of one subject wait for each other instead of failing on the primary key.
 * Serialization failures, deadlocks and lost races on a unique key are retried up to
 * {@link Builder#maxAttempts(int)} times.
 *
 * <p><b>Locks.</b> A write waits at most {@link Builder#lockTimeout(Duration)} (default 5 s) for another
 * transaction's lock on a row it needs (PostgreSQL {@code SET LOCAL lock_timeout}; MariaDB/MySQL the session's
 * {@code innodb_lock_wait_timeout} in whole seconds, put back after the transaction; H2 the session's
 * {@code LOCK_TIMEOUT}), then fails with a {@link ConsentStoreException} whose
 * {@link ConsentStoreException#reason() reason} is {@link ConsentStoreException.Reason#LOCK_TIMEOUT}; nothing is
 * written and the write is not retried. Reads never wait on a writer's row locks. A write that joins the caller's
 * transaction keeps the caller's lock timeout.
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
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_BOUND_VALUES =
            new java.util.concurrent.atomic.AtomicBoolean();
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    private final Dialect dialect;
    private final Transactions transactions;
    private final StoreQueries queries;
    private final EntryStreams streams;
    private final SchemaScripts scripts;
    private final SchemaVersion version;
    private final Outbox outbox;
    private final JdbcTransaction.Runner writes;
    private final Clock clock;
    private final DataSource dataSource;
    private final SqlStatements sql;
    private final @Nullable ChangeNotices notices;

    private JdbcConsentStore(Builder b, DataSource dataSource, Dialect dialect) {
        this.dialect = dialect;
        SqlStatements sql = SqlStatements.of(dialect, Tables.of(b.schema, b.tablePrefix));
        EntryRows rows = new EntryRows(sql);
        this.transactions = new Transactions(dataSource, sql, b.maxAttempts, b.lockTimeout);
        this.queries = new StoreQueries(sql, rows);
        this.streams = new EntryStreams(transactions, sql, rows, b.fetchSize);
        this.version = new SchemaVersion(dialect, sql);
        this.scripts = new SchemaScripts(dialect, sql, transactions, version);
        this.outbox = new Outbox(transactions, sql, rows);
        this.notices = b.notifyChanges && dialect == Dialect.POSTGRESQL ? new ChangeNotices(sql.tables()) : null;
        this.writes =
                new JdbcTransaction.Runner(transactions, sql, rows, queries, b.clock, version, notices, b.outboxEvents);
        this.clock = b.clock;
        this.dataSource = dataSource;
        this.sql = sql;
    }

    /**
     * Warns, once per JVM, when the driver writes bound values into its failures' messages (PostgreSQL's
     * {@code logServerErrorDetail}, on by default): ConsentKit's exceptions never carry those messages, but a pool
     * that logs broken connections (HikariCP at WARN, with the driver's exception) would write subject ids and
     * evidence to the log. Asked on the connection that detects the dialect.
     */
    private static void warnIfTheDriverQuotesBoundValues(Connection c, Dialect dialect) {
        try {
            if (SqlStatements.of(dialect, Tables.of(null, "")).driverQuotesBoundValues(c)
                    && WARNED_BOUND_VALUES.compareAndSet(false, true)) {
                log.warn("The JDBC driver quotes bound values (subject ids, evidence) in its failures, and "
                        + "connection pools log those failures: set logServerErrorDetail=false in the PostgreSQL "
                        + "JDBC URL (see docs/jdbc.md)");
            }
        } catch (SQLException | RuntimeException e) {
            log.debug(
                    "Could not ask the driver whether it quotes bound values: {}",
                    e.getClass().getName());
        }
    }

    /** A builder; {@link Builder#dataSource(DataSource)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dialect in use (detected or set). */
    public Dialect dialect() {
        return dialect;
    }

    /** Whether writes send PostgreSQL change notifications ({@link Builder#notifyChanges}). */
    public boolean notifiesChanges() {
        return notices != null;
    }

    /** The DataSource, for {@link JdbcChangeFeed}. */
    DataSource dataSource() {
        return dataSource;
    }

    /** The statements on this store's tables, for {@link JdbcChangeFeed}. */
    SqlStatements sql() {
        return sql;
    }

    /** The outbox table, for {@link OutboxRelay}. */
    Outbox outbox() {
        return outbox;
    }

    // ------------------------------------------------------------------ writes

    /**
     * True when the DataSource hands this thread a connection with auto-commit off, that is when a write now
     * would join the caller's transaction instead of committing its own.
     */
    @Override
    public boolean joinsCallerTransaction() {
        return transactions.joinsCallerTransaction();
    }

    /**
     * Runs {@code work} on one connection in its own transaction (retried after serialization failures,
     * deadlocks and lost races on a unique key, never after a lock timeout), or in the caller's if the connection
     * arrives with one.
     */
    @Override
    public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
        return writes.run(operation, work);
    }

    @Override
    public void savePurposes(String tenant, Collection<Purpose> purposes) {
        transactions.inTransaction("savePurposes", c -> {
            queries.savePurposes(c, tenant, purposes, clock.instant().truncatedTo(ChronoUnit.MICROS));
        });
    }

    /**
     * Every purpose version saved for {@code tenant} (a manager saves its own before its first write, or when {@code savePurposes()} is called), ordered by id
     * and version: what an auditor's tool declares when it opens the store without the application's code.
     */
    public List<Purpose> savedPurposes(String tenant) {
        return transactions.withConnection("savedPurposes", c -> queries.savedPurposes(c, tenant));
    }

    // ------------------------------------------------------------------ reads

    @Override
    public Optional<SubjectState> state(String tenant, SubjectId subject) {
        return transactions.withConnection("state", c -> {
            version.require(c);
            return Optional.ofNullable(
                    queries.states(c, tenant, List.of(subject)).get(subject));
        });
    }

    @Override
    public Map<PurposeId, ConsentRecord> currentRecords(
            String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        if (purposes.isEmpty()) {
            return Map.of();
        }
        return transactions.withConnection("state", c -> queries.statements(c, tenant, subject, List.copyOf(purposes)));
    }

    /**
     * One statement: the state rows' deciding columns pick the record in force among the purposes, and only that
     * record's log row is read.
     */
    @Override
    public Optional<ConsentRecord> recordInForce(String tenant, SubjectId subject, Collection<PurposeId> purposes) {
        if (purposes.isEmpty()) {
            return Optional.empty();
        }
        return transactions.withConnection("check", c -> {
            version.require(c);
            return queries.statementInForce(c, tenant, subject, List.copyOf(purposes));
        });
    }

    /** One query (per chunk of 1,000 subjects without array parameters) over the state rows of those purposes. */
    @Override
    public Map<SubjectId, Map<PurposeId, ConsentRecord>> currentRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        if (subjects.isEmpty() || purposes.isEmpty()) {
            return Map.of();
        }
        return transactions.withConnection("currentRecords", c -> queries.statements(c, tenant, subjects, purposes));
    }

    /**
     * One query (per chunk of 1,000 subjects without array parameters) over the deciding values of the state rows
     * of those purposes: no evidence, no hashes.
     */
    @Override
    public Map<SubjectId, List<DecidingRecord>> decidingRecords(
            String tenant, Collection<SubjectId> subjects, Collection<PurposeId> purposes) {
        if (subjects.isEmpty() || purposes.isEmpty()) {
            return Map.of();
        }
        return transactions.withConnection(
                "decidingRecords", c -> queries.decidingRecords(c, tenant, subjects, purposes));
    }

    /**
     * One streamed statement over the state rows of those purposes, ordered by subject (with every subject row
     * left-joined when {@code everySubject}); holds a connection and a cursor until the stream is closed.
     */
    @Override
    public Stream<SubjectRecords> audience(String tenant, Collection<PurposeId> purposes, boolean everySubject) {
        return streams.audience(tenant, purposes, everySubject);
    }

    /** One query per call (per chunk of 1,000 subjects where the database has no array parameters). */
    @Override
    public Map<SubjectId, SubjectState> states(String tenant, Collection<SubjectId> subjects) {
        if (subjects.isEmpty()) {
            return Map.of();
        }
        return transactions.withConnection("states", c -> {
            version.require(c);
            return queries.states(c, tenant, subjects);
        });
    }

    @Override
    public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
        return transactions.withConnection("preferences", c -> queries.preferences(c, tenant, subject));
    }

    @Override
    public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
        return transactions.withConnection("findRecord", c -> queries.findRecord(c, tenant, id));
    }

    /** One query on the log's unique entry ids, whichever subject's chain holds them now. */
    @Override
    public Set<UUID> entryIdsAmong(String tenant, SubjectId subject, Collection<UUID> entryIds) {
        if (entryIds.isEmpty()) {
            return Set.of();
        }
        return transactions.withConnection("entryIdsAmong", c -> queries.entryIdsAmong(c, tenant, entryIds));
    }

    @Override
    public Optional<ChainLink> head(String tenant, SubjectId subject) {
        return transactions.withConnection("head", c -> queries.head(c, tenant, subject));
    }

    @Override
    public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
        return streams.history(tenant, query);
    }

    @Override
    public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
        return streams.chains(tenant, subject);
    }

    /**
     * Verifies with one streamed query that reads each entry together with its subject's recorded head, instead
     * of one head query per subject.
     */
    @Override
    public VerificationReport verify(String tenant, Optional<SubjectId> subject) {
        return streams.verify(tenant, subject, this::head);
    }

    /**
     * One query, read through a cursor: for each chain the entry with the highest sequence among those recorded at
     * or before {@code until}, ordered by hash in the database (so that only one leaf at a time is in memory here).
     */
    @Override
    public Stream<CheckpointLeaf> checkpointLeaves(String tenant, Instant until) {
        return streams.checkpointLeaves(tenant, until);
    }

    /** Inserts the checkpoint into the {@code checkpoint} table, in its own transaction. */
    @Override
    public void saveCheckpoint(Checkpoint checkpoint) {
        transactions.inTransaction("saveCheckpoint", c -> {
            queries.saveCheckpoint(c, checkpoint);
        });
    }

    @Override
    public List<Checkpoint> checkpoints(String tenant) {
        return transactions.withConnection("checkpoints", c -> queries.checkpoints(c, tenant));
    }

    // ------------------------------------------------------------------ schema

    /**
     * Runs the shipped schema script for this database, with the configured prefix and schema, unless the log
     * table already exists. For quick starts and tests; production schemas belong in migrations.
     */
    public void createSchemaIfMissing() {
        scripts.createSchemaIfMissing();
    }

    /**
     * PostgreSQL only: installs the optional trigger that makes the log append-only (DELETE refused, UPDATE
     * refused outside an erasure); the same as the shipped {@code log-protection-postgresql.sql} with this
     * store's prefix and schema. Run it as the owner of the tables.
     *
     * @throws UnsupportedOperationException on other databases: use the shipped grants scripts there
     */
    public void installLogProtection() {
        scripts.installLogProtection();
    }

    /** Builds a {@link JdbcConsentStore}. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable Dialect dialect;
        private String tablePrefix = "consent_";
        private @Nullable String schema;
        private int maxAttempts = 5;
        private int fetchSize = 500;
        private Duration lockTimeout = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();
        private boolean notifyChanges;
        private @Nullable OutboxEventFormat outboxEvents;

        private Builder() {}

        /**
         * Fills the outbox rows' event columns ({@code event_type}, {@code aggregate_type}, {@code aggregate_id},
         * {@code payload}) in each write's transaction, for change-data capture with Debezium's Outbox Event Router
         * (see docs/outbox.md); {@code consent-events}' {@code ConsentEventFormat} writes CloudEvents. Default none:
         * the columns stay empty and relays format events when they publish.
         */
        public Builder outboxEvents(OutboxEventFormat outboxEvents) {
            this.outboxEvents = Checks.notNull(outboxEvents, "outboxEvents");
            return this;
        }

        /**
         * PostgreSQL: every write transaction also sends a notification ({@code pg_notify}) naming the subjects it
         * wrote, delivered when it commits, for a {@link JdbcChangeFeed} that listens on other application
         * instances; default false. Turn it on in every instance that writes when any instance's decision cache
         * listens. It costs one statement per write, and PostgreSQL serialises the commits of notifying
         * transactions briefly. Ignored on other databases, whose feeds poll the log.
         */
        public Builder notifyChanges(boolean notifyChanges) {
            this.notifyChanges = notifyChanges;
            return this;
        }

        /** The DataSource (required); a pooled one such as HikariCP in production. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Checks.notNull(dataSource, "dataSource");
            return this;
        }

        /** Overrides the dialect detected from the connection's metadata. */
        public Builder dialect(Dialect dialect) {
            this.dialect = Checks.notNull(dialect, "dialect");
            return this;
        }

        /** Prefix of every table name; default {@code consent_}. Letters, digits and underscores. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Checks.notNull(tablePrefix, "tablePrefix");
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

        /**
         * How long a write waits for another transaction's lock on a row it needs before it fails with
         * {@link ConsentStoreException.Reason#LOCK_TIMEOUT} (never retried); default 5 s. Positive, at most
         * 24 days; MariaDB and MySQL round it up to whole seconds.
         */
        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = Checks.notNull(lockTimeout, "lockTimeout");
            return this;
        }

        /** Rows fetched per round trip when streaming history; default 500. */
        public Builder fetchSize(int fetchSize) {
            this.fetchSize = fetchSize;
            return this;
        }

        /** The clock for outbox and purpose timestamps; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Checks.notNull(clock, "clock");
            return this;
        }

        /**
         * Builds the store, detecting the dialect unless one was set.
         *
         * @throws InvalidConsentRequestException naming the missing or invalid property ({@code dataSource} also for
         *                                        a database ConsentKit does not support)
         * @throws ConsentStoreException if the dialect must be detected and no connection can be had
         */
        public JdbcConsentStore build() {
            DataSource ds = Checks.notNull(dataSource, "dataSource");
            Checks.check(
                    tablePrefix.isEmpty() || IDENTIFIER.matcher(tablePrefix).matches(),
                    "tablePrefix",
                    "must be letters, digits and underscores (at most 41)");
            Checks.check(
                    schema == null || IDENTIFIER.matcher(schema).matches(),
                    "schema",
                    "must be letters, digits and underscores (at most 41)");
            Checks.check(maxAttempts >= 1, "maxAttempts", "must be at least 1");
            Checks.check(
                    lockTimeout.toMillis() >= 1 && lockTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) <= 0,
                    "lockTimeout",
                    "must be at least 1 ms and at most 24 days");
            Checks.check(fetchSize >= 1, "fetchSize", "must be at least 1");
            Dialect d = dialect;
            if (d == null) {
                try (Connection c = ds.getConnection()) {
                    d = Dialect.detect(c);
                    warnIfTheDriverQuotesBoundValues(c, d);
                } catch (SQLException e) {
                    throw Transactions.failure("detectDialect", e);
                }
            }
            return new JdbcConsentStore(this, ds, d);
        }
    }
}
