package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What every benchmark shares: the databases (from the same environment variables as the tests), the schema
 * names, the five purposes, the seeded data's shape and the size recorded by {@link Seed}.
 *
 * <p>Seeded data, per subject {@code s-<i>} of tenant {@code default}: ten log records, two per purpose (a
 * grant in rounds 0-4, then a grant or a withdrawal in rounds 5-9), one current-state row per purpose and a
 * chain head. Records are ordered round by round and recorded one millisecond apart from {@link #EPOCH}, so the
 * first {@code subjects} records (round 0) form one contiguous recorded-at range.
 */
final class BenchData {

    static final String TENANT = "default";
    /** Tenants of the write benchmarks, kept apart from the read data. */
    static final String WRITE_KIT = "wkit";

    static final String WRITE_RAW = "wraw";
    static final String BATCH_KIT = "bkit";
    static final String BATCH_RAW = "braw";
    static final String CLIENT_ID = "consentkit";
    static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    static final int RECORDS_PER_SUBJECT = 10;
    static final List<String> PURPOSE_IDS =
            List.of("marketing", "marketing.email", "marketing.sms", "analytics", "ads.sale");

    private BenchData() {}

    static List<Purpose> purposes() {
        return List.of(
                Purpose.builder("marketing")
                        .basis(LegalBasis.CONSENT)
                        .title("Marketing")
                        .build(),
                Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .title("Newsletter by e-mail")
                        .build(),
                Purpose.builder("marketing.sms")
                        .basis(LegalBasis.CONSENT)
                        .title("Offers by SMS")
                        .build(),
                Purpose.builder("analytics")
                        .basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .title("Analytics")
                        .build(),
                Purpose.builder("ads.sale")
                        .basis(LegalBasis.CONSENT)
                        .title("Sharing with ad partners")
                        .saleOrShare(true)
                        .build());
    }

    static Evidence evidence() {
        return Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form-v3")
                .noticeVersion("2026-01")
                .locale(Locale.GERMANY)
                .build();
    }

    static String subject(int i) {
        return "s-" + i;
    }

    /**
     * Records every purpose for subjects 0 to {@code count - 1} on an in-memory manager (granted or not as
     * {@link #status} says for the rounds after the first pass), 1,000 commands per batch; returns the ids.
     */
    static String[] recordEveryPurpose(ConsentManager consents, int count) {
        String[] subjects = new String[count];
        List<ConsentCommand> batch = new ArrayList<>(1000);
        for (int i = 0; i < count; i++) {
            subjects[i] = subject(i);
            for (int round = 0; round < PURPOSE_IDS.size(); round++) {
                String purpose = PURPOSE_IDS.get(round);
                ConsentCommand.Builder b = status(i, round + PURPOSE_IDS.size()) == ConsentStatus.GRANTED
                        ? ConsentCommand.grant(subjects[i], purpose)
                        : ConsentCommand.withdraw(subjects[i], purpose);
                batch.add(b.evidence(evidence()).build());
            }
            if (batch.size() >= 1000) {
                consents.recordAll(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            consents.recordAll(batch);
        }
        return subjects;
    }

    /** The status of round {@code round}'s record of subject {@code i}: rounds 5-9 withdraw about 30%. */
    static ConsentStatus status(int i, int round) {
        if (round < PURPOSE_IDS.size()) {
            return ConsentStatus.GRANTED;
        }
        int h = (i * 31 + round) * 0x9E3779B1;
        return Math.floorMod(h >>> 7, 10) < 3 ? ConsentStatus.WITHDRAWN : ConsentStatus.GRANTED;
    }

    static String schema() {
        return System.getProperty("ck.schema", System.getenv().getOrDefault("CKBENCH_SCHEMA", "ckbench"));
    }

    /** MariaDB's table prefix for the store, which replaces {@code consent_}: tables {@code ckbench_log}, ... */
    static String mariaPrefix() {
        return schema() + "_";
    }

    static HikariDataSource postgres(int poolSize) {
        return pool("CONSENTKIT_TEST_POSTGRES", poolSize, null);
    }

    /** A pool whose connections see {@link #schema()} first, for peers that name tables without a schema. */
    static HikariDataSource postgresInSchema(int poolSize) {
        return pool("CONSENTKIT_TEST_POSTGRES", poolSize, schema());
    }

    static HikariDataSource mariadb(int poolSize) {
        return pool("CONSENTKIT_TEST_MARIADB", poolSize, null);
    }

    private static HikariDataSource pool(String env, int poolSize, String schema) {
        String url = System.getenv(env + "_URL");
        if (url == null || url.isBlank()) {
            throw new IllegalStateException(
                    env + "_URL is not set: run benchmarks/run.sh, which sets it as .ci/run does");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(System.getenv(env + "_USER"));
        config.setPassword(System.getenv().getOrDefault(env + "_PASSWORD", ""));
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        if (schema != null) {
            config.addDataSourceProperty("currentSchema", schema);
        }
        return new HikariDataSource(config);
    }

    static JdbcConsentStore postgresStore(HikariDataSource ds) {
        return JdbcConsentStore.builder().dataSource(ds).schema(schema()).build();
    }

    static JdbcConsentStore mariadbStore(HikariDataSource ds) {
        return JdbcConsentStore.builder()
                .dataSource(ds)
                .tablePrefix(mariaPrefix())
                .build();
    }

    static ConsentManager manager(JdbcConsentStore store, String tenant) {
        return ConsentManager.builder()
                .purposes(purposes())
                .store(store)
                .tenant(tenant)
                .build();
    }

    /** The number of seeded subjects recorded by {@link Seed}, or 0 when the data is missing or incomplete. */
    static int seededSubjects(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT value FROM " + schema() + ".bench_meta WHERE name = 'subjects'"
                        + " AND EXISTS (SELECT 1 FROM " + schema() + ".bench_meta WHERE name = 'complete')")) {
            return rs.next() ? Integer.parseInt(rs.getString(1)) : 0;
        } catch (SQLException e) {
            c.rollback();
            return 0;
        }
    }

    static int seededSubjects(HikariDataSource ds) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            int n = seededSubjects(c);
            c.commit();
            if (n == 0) {
                throw new IllegalStateException(
                        "no complete seeded data in schema " + schema() + ": run benchmarks/run.sh");
            }
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
