package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Seeds the benchmark data (not timed by JMH) unless data of the same size is already there.
 *
 * <p>PostgreSQL, schema {@link BenchData#schema()}: ConsentKit's own tables created by the store, then
 * {@code subjects x 10} log records streamed with COPY in the row format the store writes, each sealed with the
 * store's {@link AuditChain} (so {@code verify} passes), current state and chain heads; the write benchmarks' own
 * tenants through ConsentKit's {@code recordAll}; Spring Security's {@code oauth2_authorization_consent} with one
 * row per subject; the JPA + Envers peer's tables (created by Hibernate) with one row per subject and purpose and
 * its audit rows. Secondary indexes are dropped during the COPY and rebuilt afterwards, then every table is
 * vacuumed and analyzed (this machine runs PostgreSQL with autovacuum off). MariaDB, store table prefix {@code <schema>_} (tables {@code ckbench_log}, ...): the write
 * benchmarks' tenants through {@code recordAll}.
 *
 * <p>Arguments: {@code subjects [writePool]}.
 */
public final class Seed {

    private static final String LOG_COLUMNS = "entry_id, tenant, subject, seq, kind, recorded_at, purpose_id,"
            + " purpose_version, status, effective_at, expires_at, idempotency_key, conflict, source, collection_point,"
            + " notice_version, notice_sha256, locale, actor_type, actor_id, ip_address, user_agent, comment_text,"
            + " proof_reference, pref_key, pref_value, erasure_reason, personal_digest, prev_hash, hash";

    private final int subjects;
    private final int writePool;
    private final String schema = BenchData.schema();
    private final long started = System.nanoTime();

    private Seed(int subjects, int writePool) {
        this.subjects = subjects;
        this.writePool = writePool;
    }

    public static void main(String[] args) throws Exception {
        int subjects = Integer.parseInt(args[0]);
        int writePool = args.length > 1 ? Integer.parseInt(args[1]) : Math.max(1_000, Math.min(20_000, subjects / 50));
        new Seed(subjects, writePool).run();
    }

    private void log(String format, Object... args) {
        System.err.printf(
                Locale.ROOT,
                "[seed %5.0f s] %s%n",
                (System.nanoTime() - started) / 1e9,
                String.format(Locale.ROOT, format, args));
    }

    private void run() throws Exception {
        try (HikariDataSource pg = BenchData.postgres(4)) {
            int present;
            try (Connection c = pg.getConnection()) {
                c.setAutoCommit(false);
                present = BenchData.seededSubjects(c);
                c.commit();
            }
            if (present == subjects && atSchemaVersion3(pg)) {
                log("PostgreSQL schema %s already holds %,d subjects: reused", schema, subjects);
            } else {
                seedPostgres(pg);
            }
            vacuumOnce(pg);
        }
        try (HikariDataSource maria = BenchData.mariadb(2)) {
            seedMariaDb(maria);
        }
        log("done");
    }

    /** Whether the seeded tables have schema version 3's columns and tables; older seeds are seeded again. */
    private boolean atSchemaVersion3(HikariDataSource pg) {
        try (Connection c = pg.getConnection();
                Statement st = c.createStatement()) {
            st.executeQuery("SELECT s.seq, h.head_recorded_at, o.partition_no FROM " + schema + ".consent_state s, "
                            + schema + ".consent_subject h, " + schema + ".consent_outbox o, " + schema
                            + ".consent_outbox_partition p WHERE 1 = 0")
                    .close();
            return true;
        } catch (SQLException e) {
            log("PostgreSQL schema %s is at an older schema version: seeded again", schema);
            return false;
        }
    }

    private void seedPostgres(HikariDataSource pg) throws Exception {
        log(
                "PostgreSQL: seeding schema %s with %,d subjects, %,d log records",
                schema, subjects, (long) subjects * BenchData.RECORDS_PER_SUBJECT);
        try (Connection c = pg.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + schema
                    + ".bench_meta (name VARCHAR(64) PRIMARY KEY, value VARCHAR(255) NOT NULL)");
        }
        JdbcConsentStore store = BenchData.postgresStore(pg);
        store.createSchemaIfMissing();
        BenchData.manager(store, BenchData.TENANT); // saves the purposes of the read tenant
        try (Connection c = pg.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = off");
                st.execute("SET LOCAL maintenance_work_mem = '512MB'");
            }
            List<String> restore = new ArrayList<>();
            for (String table : List.of("consent_log", "consent_state", "consent_subject")) {
                restore.addAll(dropIndexes(c, table));
            }
            copyConsentData(c);
            log("rebuilding %d indexes", restore.size());
            try (Statement st = c.createStatement()) {
                for (String ddl : restore) {
                    st.execute(ddl);
                }
            }
            c.commit();
            log("consent tables and indexes done");
        }
        ConsentManager reader = BenchData.manager(store, BenchData.TENANT);
        for (int i : new int[] {0, subjects / 2, subjects - 1}) {
            var report = reader.verify(BenchData.subject(i));
            if (!report.intact() || report.recordsChecked() != BenchData.RECORDS_PER_SUBJECT) {
                throw new IllegalStateException(
                        "seeded chain of " + BenchData.subject(i) + " does not verify: " + report);
            }
        }
        log("sample chains verify");
        seedWriteTenants(store, "PostgreSQL");
        seedSpringSecurity(pg);
        seedJpa(pg);
        try (Connection c = pg.getConnection();
                Statement st = c.createStatement()) {
            st.execute(
                    "INSERT INTO " + schema + ".bench_meta VALUES ('subjects', '" + subjects + "'), ('log_records', '"
                            + (long) subjects * BenchData.RECORDS_PER_SUBJECT + "'), ('write_pool', '" + writePool
                            + "'), ('seeded_at', '" + Instant.now() + "'), ('complete', 'true')");
        }
    }

    /**
     * VACUUM (with ANALYZE) every table of the schema once after seeding, as autovacuum would have on a live
     * system: it sets the rows' hint bits and the visibility map, so the first benchmark to touch a page does not
     * pay for dirtying it (and the next one profit), and gathers statistics.
     */
    private void vacuumOnce(HikariDataSource pg) throws SQLException {
        try (Connection c = pg.getConnection();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM " + schema + ".bench_meta WHERE name = 'vacuumed'")) {
                if (rs.next()) {
                    return;
                }
            }
            log("VACUUM (ANALYZE) of schema %s", schema);
            try (ResultSet rs = c.getMetaData().getTables(null, schema, "%", new String[] {"TABLE"})) {
                List<String> tables = new ArrayList<>();
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME"));
                }
                for (String t : tables) {
                    st.execute("VACUUM (ANALYZE) " + schema + "." + t);
                }
            }
            st.execute("INSERT INTO " + schema + ".bench_meta VALUES ('vacuumed', '" + Instant.now() + "')");
            log("vacuumed");
        }
    }

    /** Drops a table's constraints and indexes other than those it needs to take rows; returns their DDL. */
    private List<String> dropIndexes(Connection c, String table) throws SQLException {
        List<String> restore = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        String qualified = schema + "." + table;
        try (PreparedStatement ps = c.prepareStatement("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                + " WHERE conrelid = ?::regclass AND contype IN ('p', 'u')")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    drop.add("ALTER TABLE " + qualified + " DROP CONSTRAINT " + rs.getString(1));
                    restore.add(
                            "ALTER TABLE " + qualified + " ADD CONSTRAINT " + rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ?"
                        + " AND tablename = ? AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass)")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            ps.setString(3, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    drop.add("DROP INDEX " + schema + "." + rs.getString(1));
                    restore.add(rs.getString(2));
                }
            }
        }
        try (Statement st = c.createStatement()) {
            for (String ddl : drop) {
                st.execute(ddl);
            }
        }
        return restore;
    }

    /** Log records round by round, then state and heads, all sealed by the store's chain. */
    private void copyConsentData(Connection c) throws SQLException {
        int purposes = BenchData.PURPOSE_IDS.size();
        String[] heads = new String[subjects];
        String[][] current = new String[subjects][purposes];
        // the deciding columns of each current record (schema version 2): status, effective time (= the log
        // counter n, see below), sequence; and each head's recorded time
        ConsentStatus[][] currentStatus = new ConsentStatus[subjects][purposes];
        long[][] currentAt = new long[subjects][purposes];
        long[][] currentSeq = new long[subjects][purposes];
        long[] headAt = new long[subjects];
        Evidence evidence = BenchData.evidence();
        List<PurposeId> ids = BenchData.PURPOSE_IDS.stream().map(PurposeId::new).toList();
        SplittableRandom random = new SplittableRandom(7);
        String locale = Locale.GERMANY.toLanguageTag();
        long n = 0;
        try (CopyWriter w = new CopyWriter(c, schema + ".consent_log", LOG_COLUMNS)) {
            for (int round = 0; round < BenchData.RECORDS_PER_SUBJECT; round++) {
                int p = round % purposes;
                for (int i = 0; i < subjects; i++, n++) {
                    SubjectId subject = new SubjectId(BenchData.subject(i));
                    Instant at = BenchData.EPOCH.plusMillis(n);
                    ConsentStatus status = BenchData.status(i, round);
                    UUID id = new UUID(
                            (random.nextLong() & ~0xF000L) | 0x4000L,
                            (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
                    String digest = AuditChain.personalDataDigest(subject, null, null, null, null);
                    ConsentRecord r = new ConsentRecord(
                            id,
                            BenchData.TENANT,
                            subject,
                            ids.get(p),
                            1,
                            status,
                            at,
                            at,
                            Optional.empty(),
                            Optional.empty(),
                            evidence,
                            false,
                            digest,
                            ChainLink.UNSEALED);
                    Optional<ChainLink> previous =
                            round == 0 ? Optional.empty() : Optional.of(new ChainLink(round, heads[i], heads[i]));
                    ChainLink link = AuditChain.seal(r, previous).link();
                    w.value(id)
                            .value(BenchData.TENANT)
                            .value(subject.value())
                            .value(link.sequence())
                            .value("consent")
                            .value(at)
                            .value(ids.get(p).value())
                            .value(1)
                            .value(status.name())
                            .value(at)
                            .value(null)
                            .value(null)
                            .value("f")
                            .value(evidence.source().name())
                            .value(evidence.collectionPoint())
                            .value(evidence.noticeVersion().orElse(null))
                            .value(null)
                            .value(locale)
                            .value("SUBJECT")
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(null)
                            .value(digest)
                            .value(link.previousHash())
                            .value(link.hash());
                    w.endRow();
                    heads[i] = link.hash();
                    current[i][p] = id.toString();
                    currentStatus[i][p] = status;
                    currentAt[i][p] = n;
                    currentSeq[i][p] = link.sequence();
                    headAt[i] = n;
                }
                log("log round %d of %d copied (%,d rows)", round + 1, BenchData.RECORDS_PER_SUBJECT, n);
            }
        }
        try (CopyWriter w = new CopyWriter(
                c,
                schema + ".consent_state",
                "tenant, subject, purpose_id, entry_id, status, purpose_version, effective_at, expires_at, conflict,"
                        + " seq")) {
            for (int i = 0; i < subjects; i++) {
                for (int p = 0; p < purposes; p++) {
                    w.value(BenchData.TENANT)
                            .value(BenchData.subject(i))
                            .value(BenchData.PURPOSE_IDS.get(p))
                            .value(current[i][p])
                            .value(currentStatus[i][p].name())
                            .value(1)
                            .value(BenchData.EPOCH.plusMillis(currentAt[i][p]))
                            .value(null)
                            .value("f")
                            .value(currentSeq[i][p]);
                    w.endRow();
                }
            }
        }
        try (CopyWriter w = new CopyWriter(
                c, schema + ".consent_subject", "tenant, subject, head_seq, head_hash, erased, head_recorded_at")) {
            for (int i = 0; i < subjects; i++) {
                w.value(BenchData.TENANT)
                        .value(BenchData.subject(i))
                        .value(BenchData.RECORDS_PER_SUBJECT)
                        .value(heads[i])
                        .value("f")
                        .value(BenchData.EPOCH.plusMillis(headAt[i]));
                w.endRow();
            }
        }
        log("state and heads copied");
    }

    /** The write benchmarks' subjects, five purposes each, through ConsentKit's batch path. */
    private void seedWriteTenants(JdbcConsentStore store, String database) {
        for (String tenant :
                List.of(BenchData.WRITE_KIT, BenchData.WRITE_RAW, BenchData.BATCH_KIT, BenchData.BATCH_RAW)) {
            ConsentManager consents = BenchData.manager(store, tenant);
            if (tenant.equals(BenchData.BATCH_KIT) || tenant.equals(BenchData.BATCH_RAW)) {
                continue; // the batch benchmarks add new subjects; only the purposes are needed
            }
            List<ConsentCommand> batch = new ArrayList<>(1000);
            for (int i = 0; i < writePool; i++) {
                for (String purpose : BenchData.PURPOSE_IDS) {
                    batch.add(ConsentCommand.grant(BenchData.subject(i), purpose)
                            .evidence(BenchData.evidence())
                            .build());
                    if (batch.size() == 1000) {
                        consents.recordAll(batch);
                        batch.clear();
                    }
                }
            }
            if (!batch.isEmpty()) {
                consents.recordAll(batch);
            }
            log("%s: tenant %s seeded with %,d subjects", database, tenant, writePool);
        }
    }

    /** Spring Security's consent table: one row per subject, the subject's granted purposes as scopes. */
    private void seedSpringSecurity(HikariDataSource pg) throws SQLException {
        try (Connection c = pg.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = off");
                st.execute("CREATE TABLE " + schema + ".oauth2_authorization_consent (registered_client_id varchar(100)"
                        + " NOT NULL, principal_name varchar(200) NOT NULL, authorities varchar(1000) NOT NULL)");
            }
            try (CopyWriter w = new CopyWriter(
                    c, schema + ".oauth2_authorization_consent", "registered_client_id, principal_name, authorities")) {
                for (int i = 0; i < subjects; i++) {
                    StringBuilder scopes = new StringBuilder();
                    for (int p = 0; p < BenchData.PURPOSE_IDS.size(); p++) {
                        if (BenchData.status(i, p + BenchData.PURPOSE_IDS.size()) == ConsentStatus.GRANTED) {
                            scopes.append(scopes.length() == 0 ? "" : ",")
                                    .append("SCOPE_")
                                    .append(BenchData.PURPOSE_IDS.get(p));
                        }
                    }
                    if (scopes.length() == 0) {
                        scopes.append("SCOPE_none");
                    }
                    w.value(BenchData.CLIENT_ID).value(BenchData.subject(i)).value(scopes);
                    w.endRow();
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("ALTER TABLE " + schema + ".oauth2_authorization_consent ADD PRIMARY KEY"
                        + " (registered_client_id, principal_name)");
            }
            c.commit();
        }
        log("Spring Security consent table seeded with %,d rows", subjects);
    }

    /** The JPA + Envers peer: Hibernate creates its tables, then one row per subject and purpose and its audit row. */
    private void seedJpa(HikariDataSource pg) throws SQLException {
        try (JpaPeer peer = JpaPeer.open("create")) {
            log("JPA peer tables created by Hibernate");
        }
        String columns =
                "subject, purpose, purpose_version, status, recorded_at, source, collection_point, notice_version";
        try (Connection c = pg.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = off");
                st.execute("SET LOCAL maintenance_work_mem = '512MB'");
                st.execute("INSERT INTO " + schema + ".revinfo (rev, revtstmp) VALUES (0, "
                        + BenchData.EPOCH.toEpochMilli() + ")");
            }
            List<String> restore = new ArrayList<>();
            restore.addAll(dropIndexes(c, "jpa_consent"));
            restore.addAll(dropIndexes(c, "jpa_consent_aud"));
            try (CopyWriter cur = new CopyWriter(c, schema + ".jpa_consent", "id, " + columns)) {
                writeJpaRows(cur, false);
            }
            try (CopyWriter aud = new CopyWriter(c, schema + ".jpa_consent_aud", "id, rev, revtype, " + columns)) {
                writeJpaRows(aud, true);
            }
            try (Statement st = c.createStatement()) {
                for (String ddl : restore) {
                    st.execute(ddl);
                }
                st.execute("SELECT setval(pg_get_serial_sequence('" + schema + ".jpa_consent', 'id'), "
                        + (long) subjects * BenchData.PURPOSE_IDS.size() + ")");
            }
            c.commit();
        }
        log(
                "JPA peer seeded with %,d current rows and as many audit rows",
                (long) subjects * BenchData.PURPOSE_IDS.size());
    }

    private void writeJpaRows(CopyWriter w, boolean audit) throws SQLException {
        long id = 0;
        int purposes = BenchData.PURPOSE_IDS.size();
        for (int i = 0; i < subjects; i++) {
            for (int p = 0; p < purposes; p++) {
                id++;
                w.value(id);
                if (audit) {
                    w.value(0).value(0);
                }
                w.value(BenchData.subject(i))
                        .value(BenchData.PURPOSE_IDS.get(p))
                        .value(1)
                        .value(BenchData.status(i, p + purposes).name())
                        .value(BenchData.EPOCH.plusMillis((long) (p + purposes) * subjects + i))
                        .value("WEB")
                        .value("signup-form-v3")
                        .value("2026-01");
                w.endRow();
            }
        }
    }

    private void seedMariaDb(HikariDataSource maria) throws SQLException {
        String prefix = BenchData.mariaPrefix();
        try (Connection c = maria.getConnection();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(
                    // head_recorded_at: tables at schema version 1 fail the query and are seeded again
                    "SELECT COUNT(*), MAX(head_recorded_at) FROM " + prefix + "subject WHERE tenant = '"
                            + BenchData.WRITE_RAW + "'")) {
                if (rs.next() && rs.getInt(1) == writePool) {
                    log("MariaDB tables %s* already seeded: reused", prefix);
                    return;
                }
            } catch (SQLException missing) {
                // not there yet
            }
            for (String t : List.of(
                    "log",
                    "state",
                    "subject",
                    "preference",
                    "outbox",
                    "outbox_partition",
                    "webhook_delivery",
                    "purpose",
                    "checkpoint")) {
                st.execute("DROP TABLE IF EXISTS " + prefix + t);
            }
        }
        JdbcConsentStore store = BenchData.mariadbStore(maria);
        store.createSchemaIfMissing();
        seedWriteTenants(store, "MariaDB");
    }
}
