package dev.consentkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A measuring harness (not a test): ConsentKit's JDBC store against hand-written JDBC on the same tables of the
 * PostgreSQL named by {@code CONSENTKIT_TEST_POSTGRES_URL}. Creates a schema of its own, seeds it, measures,
 * prints a Markdown table and drops the schema. Run it on a quiet machine:
 * <pre>
 * ./mvnw -q install -DskipTests
 * CONSENTKIT_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:5432/test?reWriteBatchedInserts=true \
 * CONSENTKIT_TEST_POSTGRES_USER=postgres ./mvnw -q -pl consent-jdbc test-compile exec:java \
 *   -Dexec.skip=false -Dexec.classpathScope=test -Dexec.mainClass=dev.consentkit.jdbc.JdbcStoreHarness
 * </pre>
 * Optional arguments: number of subjects to seed (default 20000), batch size (default 1000).
 */
public final class JdbcStoreHarness {

    private static final String TENANT = "default";
    private static final String RAW = "raw";

    private final HikariDataSource ds;
    private final String schema;
    private final int subjects;
    private final int batch;
    private final ConsentManager consents;
    private final List<String> rows = new ArrayList<>();

    private JdbcStoreHarness(HikariDataSource ds, String schema, int subjects, int batch) {
        this.ds = ds;
        this.schema = schema;
        this.subjects = subjects;
        this.batch = batch;
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(ds).schema(schema).build();
        store.createSchemaIfMissing();
        this.consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .build(),
                        Purpose.builder("analytics")
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .build())
                .store(store)
                .build();
    }

    public static void main(String[] args) throws Exception {
        String url = System.getenv("CONSENTKIT_TEST_POSTGRES_URL");
        if (url == null) {
            System.err.println("Set CONSENTKIT_TEST_POSTGRES_URL (and _USER, _PASSWORD)");
            System.exit(2);
        }
        int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(System.getenv("CONSENTKIT_TEST_POSTGRES_USER"));
        config.setPassword(System.getenv().getOrDefault("CONSENTKIT_TEST_POSTGRES_PASSWORD", ""));
        config.setMaximumPoolSize(4);
        String schema = "ckbench_" + Long.toString(System.currentTimeMillis(), 36);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
            }
            try {
                new JdbcStoreHarness(ds, schema, subjects, batch).run();
            } finally {
                try (Connection c = ds.getConnection();
                        Statement st = c.createStatement()) {
                    st.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
        }
    }

    private void run() throws SQLException {
        // seed both sides (untimed) and let PostgreSQL gather statistics, as it would have on a live system,
        // then time batches of new subjects, alternating sides
        batchRecording(0, subjects);
        rawBatchInsert(0, subjects);
        analyze();
        int measured = Math.max(4 * batch, subjects / 2);
        double kitTime = 0;
        double rawTime = 0;
        int rounds = 4;
        for (int r = 0; r < rounds; r++) {
            int from = subjects + r * measured / rounds;
            int to = subjects + (r + 1) * measured / rounds;
            kitTime += batchRecording(from, to);
            rawTime += rawBatchInsert(from, to);
        }
        row("batch recording, records/s (batches of " + batch + ")", measured / kitTime, measured / rawTime);
        analyze();

        SplittableRandom random = new SplittableRandom(42);
        int checks = 20_000;
        measureCheck(random, checks); // warm-up: let the JIT compile both paths fully
        measureRawSelect(random, checks);
        double[] kitCheck = new double[0];
        double[] rawCheck = new double[0];
        for (int r = 0; r < 4; r++) { // alternate, so drift on the machine hits both sides alike
            kitCheck = concat(kitCheck, measureCheck(random, checks / 4));
            rawCheck = concat(rawCheck, measureRawSelect(random, checks / 4));
        }
        row("uncached check, mean µs", mean(kitCheck), mean(rawCheck));
        row("uncached check, p99 µs", pct(kitCheck, 99), pct(rawCheck, 99));

        int writes = 3_000;
        measureRecord(random, 1_000);
        measureRawRecord(random, 1_000);
        double[] kitRecord = new double[0];
        double[] rawRecord = new double[0];
        for (int r = 0; r < 4; r++) {
            kitRecord = concat(kitRecord, measureRecord(random, writes / 4));
            rawRecord = concat(rawRecord, measureRawRecord(random, writes / 4));
        }
        row("single record (own transaction), mean µs", mean(kitRecord), mean(rawRecord));
        row("single record (own transaction), p99 µs", pct(kitRecord, 99), pct(rawRecord, 99));

        System.out.printf(
                Locale.ROOT,
                "%n%d subjects seeded per side, then %d more in %d-record batches; %d checks,"
                        + " %d single writes%n%n",
                subjects,
                Math.max(4 * batch, subjects / 2),
                batch,
                checks,
                writes);
        System.out.println("| measurement | ConsentKit | raw JDBC | ratio |");
        System.out.println("|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private void row(String name, double kit, double raw) {
        double ratio = kit / raw;
        rows.add(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2fx |", name, kit, raw, ratio));
    }

    /** Records grants for subjects {@code from..to} in batches; returns the seconds taken. */
    private double batchRecording(int from, int to) {
        Evidence evidence = Evidence.of(Source.IMPORT, "harness");
        long start = System.nanoTime();
        for (int first = from; first < to; first += batch) {
            List<ConsentCommand> commands = new ArrayList<>(batch);
            for (int i = first; i < Math.min(to, first + batch); i++) {
                commands.add(ConsentCommand.grant("s-" + i, "marketing.email")
                        .evidence(evidence)
                        .build());
            }
            consents.recordAll(commands);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The same rows (log, outbox, state, subject) with plain JDBC batches, one transaction per batch. */
    private double rawBatchInsert(int from0, int to) throws SQLException {
        String p = schema + ".consent_";
        long start = System.nanoTime();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            for (int from = from0; from < to; from += batch) {
                try (PreparedStatement log = c.prepareStatement("INSERT INTO " + p + "log (entry_id, tenant, subject,"
                                + " seq, kind, recorded_at, purpose_id, purpose_version, status, effective_at, conflict, source,"
                                + " collection_point, actor_type, personal_digest, prev_hash, hash)"
                                + " VALUES (?, ?, ?, 1, 'consent', ?, 'marketing.email', 1, 'GRANTED', ?, false, 'IMPORT',"
                                + " 'harness', 'SUBJECT', ?, ?, ?)");
                        PreparedStatement outbox = c.prepareStatement("INSERT INTO " + p + "outbox (tenant, subject,"
                                + " entry_id, seq, created_at) VALUES (?, ?, ?, 1, ?)");
                        PreparedStatement state = c.prepareStatement("INSERT INTO " + p + "state (entry_id, tenant,"
                                + " subject, purpose_id) VALUES (?, ?, ?, 'marketing.email')");
                        PreparedStatement subject = c.prepareStatement("INSERT INTO " + p + "subject (tenant, subject,"
                                + " head_seq, head_hash, erased) VALUES (?, ?, 1, ?, false)")) {
                    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                    for (int i = from; i < Math.min(to, from + batch); i++) {
                        String id = UUID.randomUUID().toString();
                        String s = "s-" + i;
                        log.setString(1, id);
                        log.setString(2, RAW);
                        log.setString(3, s);
                        log.setObject(4, now);
                        log.setObject(5, now);
                        log.setString(6, ChainLink.GENESIS);
                        log.setString(7, ChainLink.GENESIS);
                        log.setString(8, ChainLink.GENESIS);
                        log.addBatch();
                        outbox.setString(1, RAW);
                        outbox.setString(2, s);
                        outbox.setString(3, id);
                        outbox.setObject(4, now);
                        outbox.addBatch();
                        state.setString(1, id);
                        state.setString(2, RAW);
                        state.setString(3, s);
                        state.addBatch();
                        subject.setString(1, RAW);
                        subject.setString(2, s);
                        subject.setString(3, ChainLink.GENESIS);
                        subject.addBatch();
                    }
                    log.executeBatch();
                    outbox.executeBatch();
                    state.executeBatch();
                    subject.executeBatch();
                }
                c.commit();
            }
            c.setAutoCommit(true);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void analyze() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            for (String t : List.of("log", "outbox", "state", "subject")) {
                st.execute("ANALYZE " + schema + ".consent_" + t);
            }
        }
    }

    private double[] measureCheck(SplittableRandom random, int n) {
        double[] micros = new double[n];
        for (int i = 0; i < n; i++) {
            String s = "s-" + random.nextInt(subjects);
            long t = System.nanoTime();
            consents.check(s, "marketing.email");
            micros[i] = (System.nanoTime() - t) / 1e3;
        }
        return micros;
    }

    /** The floor for a check: one prepared primary-key select of the subject's state for the purpose. */
    private double[] measureRawSelect(SplittableRandom random, int n) throws SQLException {
        double[] micros = new double[n];
        String sql = "SELECT l.status, l.purpose_version, l.expires_at FROM " + schema + ".consent_state s JOIN "
                + schema + ".consent_log l ON l.entry_id = s.entry_id"
                + " WHERE s.tenant = ? AND s.subject = ? AND s.purpose_id = ?";
        for (int i = 0; i < n; i++) {
            String s = "s-" + random.nextInt(subjects);
            long t = System.nanoTime();
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, RAW);
                ps.setString(2, s);
                ps.setString(3, "marketing.email");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rs.getString(1);
                }
            }
            micros[i] = (System.nanoTime() - t) / 1e3;
        }
        return micros;
    }

    private double[] measureRecord(SplittableRandom random, int n) {
        double[] micros = new double[n];
        Evidence evidence = Evidence.of(Source.WEB, "harness");
        for (int i = 0; i < n; i++) {
            String s = "s-" + random.nextInt(subjects);
            ConsentCommand command = (i % 2 == 0
                            ? ConsentCommand.withdraw(s, "marketing.email")
                            : ConsentCommand.grant(s, "marketing.email"))
                    .evidence(evidence)
                    .build();
            long t = System.nanoTime();
            consents.record(command);
            micros[i] = (System.nanoTime() - t) / 1e3;
        }
        return micros;
    }

    /** The same single write by hand: lock the head, append, outbox, move state and head, commit. */
    private double[] measureRawRecord(SplittableRandom random, int n) throws SQLException {
        double[] micros = new double[n];
        String p = schema + ".consent_";
        for (int i = 0; i < n; i++) {
            String s = "s-" + random.nextInt(subjects);
            long t = System.nanoTime();
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                long seq;
                try (PreparedStatement ps = c.prepareStatement("SELECT head_seq, head_hash FROM " + p
                        + "subject WHERE tenant = ? AND subject = ? FOR UPDATE")) {
                    ps.setString(1, RAW);
                    ps.setString(2, s);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        seq = rs.getLong(1) + 1;
                    }
                }
                String id = UUID.randomUUID().toString();
                OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + p + "log (entry_id, tenant, subject,"
                        + " seq, kind, recorded_at, purpose_id, purpose_version, status, effective_at, conflict, source,"
                        + " collection_point, actor_type, personal_digest, prev_hash, hash)"
                        + " VALUES (?, ?, ?, ?, 'consent', ?, 'marketing.email', 1, ?, ?, false, 'WEB', 'harness',"
                        + " 'SUBJECT', ?, ?, ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, RAW);
                    ps.setString(3, s);
                    ps.setLong(4, seq);
                    ps.setObject(5, now);
                    ps.setString(6, i % 2 == 0 ? "WITHDRAWN" : "GRANTED");
                    ps.setObject(7, now);
                    ps.setString(8, ChainLink.GENESIS);
                    ps.setString(9, ChainLink.GENESIS);
                    ps.setString(10, ChainLink.GENESIS);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + p + "outbox (tenant, subject, entry_id,"
                        + " seq, created_at) VALUES (?, ?, ?, ?, ?)")) {
                    ps.setString(1, RAW);
                    ps.setString(2, s);
                    ps.setString(3, id);
                    ps.setLong(4, seq);
                    ps.setObject(5, now);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + p + "state SET entry_id = ?"
                        + " WHERE tenant = ? AND subject = ? AND purpose_id = 'marketing.email'")) {
                    ps.setString(1, id);
                    ps.setString(2, RAW);
                    ps.setString(3, s);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + p + "subject SET head_seq = ?,"
                        + " head_hash = ? WHERE tenant = ? AND subject = ?")) {
                    ps.setLong(1, seq);
                    ps.setString(2, ChainLink.GENESIS);
                    ps.setString(3, RAW);
                    ps.setString(4, s);
                    ps.executeUpdate();
                }
                c.commit();
                c.setAutoCommit(true);
            }
            micros[i] = (System.nanoTime() - t) / 1e3;
        }
        return micros;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    private static double pct(double[] values, int percentile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }
}
