package dev.consentkit.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.export.AuditExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 6: the audit history export of {@code records} log records (1,000,000 in the full run: the first
 * recorded-at range of the seeded log) to JSON Lines through the public API, as {@code consentkit export} does
 * ({@link AuditExporter} over a {@link dev.consentkit.jdbc.JdbcConsentStore} history stream), in a JVM limited to
 * 64 MiB of heap. The output is counted and discarded, so the disk is not measured. The floor: the same rows
 * read through a raw cursor and written as JSON lines by hand, in the same 64 MiB JVM.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx64m"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class ExportBenchmark {

    /** The exporter and the range to export. */
    @State(Scope.Benchmark)
    public static class Log {
        /** How many records to export; run.sh sets it to min(1,000,000, seeded subjects). */
        @Param("1000000")
        public int records;

        HikariDataSource ds;
        AuditExporter exporter;
        HistoryQuery query;
        String rawSql;

        @Setup(Level.Trial)
        public void setUp() {
            ds = BenchData.postgres(2);
            int subjects = BenchData.seededSubjects(ds);
            if (records > subjects) {
                throw new IllegalStateException("only " + subjects + " records in the first seeded range");
            }
            ConsentManager consents = BenchData.manager(BenchData.postgresStore(ds), BenchData.TENANT);
            exporter = AuditExporter.of(consents);
            Instant to = BenchData.EPOCH.plusMillis(records);
            query = HistoryQuery.builder()
                    .recordedFrom(BenchData.EPOCH)
                    .recordedTo(to)
                    .build();
            String s = BenchData.schema();
            rawSql = "SELECT kind, entry_id, tenant, subject, seq, recorded_at, purpose_id, purpose_version, status,"
                    + " effective_at, expires_at, conflict, source, collection_point, notice_version, notice_sha256, locale,"
                    + " actor_type, actor_id, ip_address, user_agent, comment_text, proof_reference, idempotency_key,"
                    + " pref_key, pref_value, erasure_reason, personal_digest, prev_hash, hash FROM " + s
                    + ".consent_log"
                    + " WHERE tenant = ? AND recorded_at >= ? AND recorded_at < ? ORDER BY log_id";
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ds.close();
        }
    }

    /** Discards what it is given and counts the bytes. */
    static final class CountingSink extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    @Benchmark
    public long exportKit(Log log) {
        CountingSink sink = new CountingSink();
        long n = log.exporter.writeJsonLines(log.query, sink);
        if (n != log.records) {
            throw new IllegalStateException("exported " + n + " entries, expected " + log.records);
        }
        return sink.bytes;
    }

    @Benchmark
    public long exportRaw(Log log) throws SQLException, IOException {
        CountingSink sink = new CountingSink();
        long n = 0;
        try (Connection c = log.ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(log.rawSql)) {
                ps.setFetchSize(500);
                ps.setString(1, BenchData.TENANT);
                ps.setTimestamp(2, Timestamp.from(BenchData.EPOCH));
                ps.setTimestamp(3, Timestamp.from(BenchData.EPOCH.plusMillis(log.records)));
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    int columns = md.getColumnCount();
                    String[] names = new String[columns + 1];
                    for (int i = 1; i <= columns; i++) {
                        names[i] = "\"" + md.getColumnLabel(i) + "\":";
                    }
                    StringBuilder line = new StringBuilder(1024);
                    while (rs.next()) {
                        line.setLength(0);
                        line.append('{');
                        for (int i = 1; i <= columns; i++) {
                            String v = rs.getString(i);
                            if (v != null) {
                                if (line.length() > 1) {
                                    line.append(',');
                                }
                                line.append(names[i]).append('"').append(v).append('"');
                            }
                        }
                        line.append("}\n");
                        sink.write(line.toString().getBytes(StandardCharsets.UTF_8));
                        n++;
                    }
                }
            }
            c.commit();
        }
        if (n != log.records) {
            throw new IllegalStateException("read " + n + " rows, expected " + log.records);
        }
        return sink.bytes;
    }
}
