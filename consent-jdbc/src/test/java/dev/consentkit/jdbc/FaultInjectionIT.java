package dev.consentkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.testsupport.CuttingProxy;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Connections cut at random statements and at commits, through a {@link CuttingProxy} in front of the real
 * server: 8 concurrent writers on two managers whose clocks are 2 s apart share one store, half the writes with
 * the caller's idempotency key and half without. Afterwards: no acknowledged write is lost, no write that failed
 * with {@link ConsentStoreException.Outcome#NOT_WRITTEN} is present, none is stored twice, listeners heard of
 * every acknowledged write exactly once, the chains verify (state equal to the chains), and neither the log
 * output (ConsentKit's, HikariCP's, the drivers') nor any exception quotes a subject, IP address, user agent or
 * comment. The seed is printed; {@code -Dconsentkit.faultSeed=...} repeats a run.
 */
class FaultInjectionIT {

    private static final int WRITERS = 8;
    private static final int WRITES_PER_WRITER = 50;
    private static final int SUBJECTS = 24;
    private static final double CUT_CHANCE = 0.035;
    /** Longer than a write's lookups wait for a connection (3 lookups, a 1 s pool timeout each). */
    private static final Duration BLACKOUT = Duration.ofSeconds(5);
    /** What marks the personal data of the writes: no log line or exception may show any of them. */
    private static final List<String> PERSONAL = List.of("fi-subj-", "198.51.100.", "FaultUA/", "fault-comment-");

    private static final Purpose EMAIL =
            Purpose.builder("email").basis(LegalBasis.CONSENT).build();
    private static final Purpose PHONE =
            Purpose.builder("phone").basis(LegalBasis.CONSENT).build();

    private enum Outcome {
        ACKNOWLEDGED,
        NOT_WRITTEN,
        UNKNOWN
    }

    /** One write and what became of it. */
    private static final class Write {
        final String token;
        final @Nullable String key;
        final ConsentCommand command;
        Outcome outcome = Outcome.UNKNOWN;

        @Nullable
        UUID recordId;

        boolean replayed;
        boolean retriedAfterUnknown;

        @Nullable
        Throwable failure;

        Write(String token, @Nullable String key, ConsentCommand command) {
            this.token = token;
            this.key = key;
            this.command = command;
        }
    }

    @Test
    @RequiresDatabase(Database.POSTGRESQL)
    void postgresql() throws Exception {
        run(Database.POSTGRESQL, 3);
    }

    @Test
    @RequiresDatabase(Database.MARIADB)
    void mariadb() throws Exception {
        run(Database.MARIADB, 3);
    }

    private void run(Database database, int handshakeChunks) throws Exception {
        long seed = Long.getLong("consentkit.faultSeed", System.nanoTime());
        System.out.println("[fault-injection " + database.displayName() + "] seed " + seed);
        long started = System.nanoTime();
        Map<UUID, Integer> heard = new ConcurrentHashMap<>();
        List<Write> writes = new ArrayList<>();
        String logs;
        int cutsBefore;
        int cutsAfter;
        try (TestDatabase db = TestDatabase.fromEnvironment(database);
                LogCapture capture = LogCapture.start()) {
            db.storeBuilder().build().createSchemaIfMissing();
            Matcher hostPort = Pattern.compile("//([^/:?]+):(\\d+)").matcher(database.url());
            assertThat(hostPort.find())
                    .as("host and port in %s", database.url())
                    .isTrue();
            String viaProxyUrl;
            try (CuttingProxy proxy = new CuttingProxy(
                    hostPort.group(1), Integer.parseInt(hostPort.group(2)), CUT_CHANCE, handshakeChunks, seed)) {
                viaProxyUrl = database.url().replace(hostPort.group(0), "//127.0.0.1:" + proxy.port());
                viaProxyUrl += (viaProxyUrl.contains("?") ? "&" : "?")
                        + (database == Database.POSTGRESQL
                                ? "socketTimeout=20&connectTimeout=5&logServerErrorDetail=false"
                                : "socketTimeout=20000&connectTimeout=5000");
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(viaProxyUrl);
                config.setUsername(database.user().orElse(null));
                config.setPassword(database.password());
                config.setMaximumPoolSize(WRITERS + 2);
                config.setConnectionTimeout(1_000);
                config.setValidationTimeout(1_000);
                try (HikariDataSource viaProxy = new HikariDataSource(config)) {
                    JdbcConsentStore store = db.storeBuilder()
                            .dataSource(viaProxy)
                            .dialect(db.dialect)
                            .maxAttempts(2)
                            .build();
                    ConsentManager onTime = manager(store, Clock.systemUTC(), heard);
                    ConsentManager fast = manager(store, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2)), heard);
                    onTime.savePurposes();
                    fast.savePurposes();

                    SplittableRandom random = new SplittableRandom(seed);
                    List<List<Write>> perWriter = new ArrayList<>();
                    for (int w = 0; w < WRITERS; w++) {
                        List<Write> mine = new ArrayList<>();
                        for (int i = 0; i < WRITES_PER_WRITER; i++) {
                            mine.add(newWrite(random, w, i));
                        }
                        perWriter.add(mine);
                        writes.addAll(mine);
                    }
                    proxy.arm(true);
                    // once, at a seeded moment, the database becomes unreachable for longer than the lookups wait
                    long blackoutAt = 1_000 + random.nextInt(3_000);
                    Thread blackout = new Thread(() -> {
                        try {
                            Thread.sleep(blackoutAt);
                            proxy.blackout(true);
                            Thread.sleep(BLACKOUT.toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            proxy.blackout(false);
                        }
                    });
                    blackout.start();
                    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
                    List<Future<?>> done = new ArrayList<>();
                    for (int w = 0; w < WRITERS; w++) {
                        ConsentManager m = w % 2 == 0 ? onTime : fast;
                        List<Write> mine = perWriter.get(w);
                        done.add(pool.submit(() -> mine.forEach(write -> attempt(m, write))));
                    }
                    for (Future<?> f : done) {
                        f.get(120, TimeUnit.SECONDS);
                    }
                    pool.shutdown();
                    blackout.join();
                    proxy.arm(false);
                    cutsBefore = proxy.cutsBefore();
                    cutsAfter = proxy.cutsAfter();

                    // the caller's answer to UNKNOWN: the same write again with the same key, which returns the
                    // stored record (not heard again) if the first did commit
                    Map<String, Integer> beforeRetries = storedTokens(db);
                    for (Write w : writes) {
                        if (w.outcome == Outcome.UNKNOWN && w.key != null) {
                            w.retriedAfterUnknown = true;
                            attempt(onTime, w);
                            assertThat(w.outcome).as("a keyed retry").isEqualTo(Outcome.ACKNOWLEDGED);
                            w.replayed = beforeRetries.containsKey(w.token);
                        }
                    }
                    assertThat(onTime.verify().intact()).as("verify()").isTrue();
                }
            }
            Map<String, Integer> stored = storedTokens(db);
            logs = capture.text();
            report(database, seed, started, writes, stored, heard, logs, cutsBefore, cutsAfter);
        }
    }

    private static ConsentManager manager(JdbcConsentStore store, Clock clock, Map<UUID, Integer> heard) {
        return ConsentManager.builder()
                .purposes(EMAIL, PHONE)
                .store(store)
                .clock(clock)
                .listener(e -> heard.merge(e.id(), 1, Integer::sum))
                .build();
    }

    private static Write newWrite(SplittableRandom random, int writer, int i) {
        String token = writer + "-" + i + "-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
        String subject = "fi-subj-" + random.nextInt(SUBJECTS);
        String purpose = random.nextBoolean() ? "email" : "phone";
        String key = random.nextBoolean() ? "key-" + token : null;
        Evidence evidence = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("fault-form")
                .ipAddress("198.51.100." + (1 + random.nextInt(250)))
                .userAgent("FaultUA/" + token)
                .comment("fault-comment-" + token)
                .build();
        ConsentCommand.Builder b = random.nextInt(3) == 0
                ? ConsentCommand.withdraw(subject, purpose)
                : ConsentCommand.grant(subject, purpose);
        return new Write(token, key, b.evidence(evidence).idempotencyKey(key).build());
    }

    private static void attempt(ConsentManager m, Write w) {
        try {
            ConsentRecord r = m.record(w.command);
            w.recordId = r.id();
            w.outcome = Outcome.ACKNOWLEDGED;
        } catch (ConsentStoreException e) {
            w.failure = e;
            w.outcome = e.outcome() == ConsentStoreException.Outcome.UNKNOWN ? Outcome.UNKNOWN : Outcome.NOT_WRITTEN;
        }
    }

    /** How often each write's token is in the log, read past the proxy. */
    private static Map<String, Integer> storedTokens(TestDatabase db) throws Exception {
        Map<String, Integer> stored = new HashMap<>();
        try (Connection c = db.dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT user_agent FROM " + db.table("log"))) {
            while (rs.next()) {
                String ua = rs.getString(1);
                if (ua != null && ua.startsWith("FaultUA/")) {
                    stored.merge(ua.substring("FaultUA/".length()), 1, Integer::sum);
                }
            }
        }
        return stored;
    }

    private static void report(
            Database database,
            long seed,
            long started,
            List<Write> writes,
            Map<String, Integer> stored,
            Map<UUID, Integer> heard,
            String logs,
            int cutsBefore,
            int cutsAfter) {
        int acknowledged = 0;
        int notWritten = 0;
        int unknownPresent = 0;
        int unknownAbsent = 0;
        List<String> lost = new ArrayList<>();
        List<String> failedButPresent = new ArrayList<>();
        List<String> duplicates = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        Map<UUID, Integer> expectedHeard = new HashMap<>();
        int unknownRetried = 0;
        for (Write w : writes) {
            int copies = stored.getOrDefault(w.token, 0);
            if (copies > 1) {
                duplicates.add(w.token);
            }
            if (w.retriedAfterUnknown) {
                unknownRetried++;
            }
            switch (w.outcome) {
                case ACKNOWLEDGED -> {
                    acknowledged++;
                    if (copies != 1) {
                        lost.add(w.token);
                    }
                    if (!w.replayed) {
                        expectedHeard.put(w.recordId, 1);
                    }
                }
                case NOT_WRITTEN -> {
                    notWritten++;
                    if (copies != 0) {
                        failedButPresent.add(w.token);
                        StringWriter trace = new StringWriter();
                        java.util.Objects.requireNonNull(w.failure).printStackTrace(new PrintWriter(trace));
                        System.out.println(
                                "[fault-injection] failed NOT_WRITTEN but present: " + w.token + "\n" + trace);
                    }
                }
                case UNKNOWN -> {
                    if (copies > 0) {
                        unknownPresent++;
                    } else {
                        unknownAbsent++;
                    }
                }
            }
            if (w.failure != null) {
                StringWriter trace = new StringWriter();
                w.failure.printStackTrace(new PrintWriter(trace));
                for (String marker : PERSONAL) {
                    if (trace.toString().contains(marker)) {
                        leaks.add("exception of write " + w.token + " shows " + marker);
                    }
                }
            }
        }
        for (String marker : PERSONAL) {
            int at = logs.indexOf(marker);
            if (at >= 0) {
                leaks.add("log output shows " + marker + " near: "
                        + logs.substring(Math.max(0, at - 300), Math.min(logs.length(), at + 100)));
            }
        }
        int recovered = count(logs, "was found committed");
        int brokenLogged = count(logs, "marked as broken");
        System.out.printf(
                "[fault-injection %s] seed %d: %d writes attempted, %d acknowledged, %d failed NOT_WRITTEN,"
                        + " %d UNKNOWN (%d keyed, retried with their key; of the %d unkeyed %d present, %d absent), %d recovered by lookup, %d acknowledged but not heard; %d cuts (%d before a chunk"
                        + " reached the server, %d after); %d HikariCP broken-connection warnings; %d lost,"
                        + " %d failed-but-present, %d duplicates, %d leaks; %.1f s%n",
                database.displayName(),
                seed,
                writes.size(),
                acknowledged,
                notWritten,
                unknownRetried + unknownPresent + unknownAbsent,
                unknownRetried,
                unknownPresent + unknownAbsent,
                unknownPresent,
                unknownAbsent,
                recovered,
                count(logs, "Consent listeners not called for"),
                cutsBefore + cutsAfter,
                cutsBefore,
                cutsAfter,
                brokenLogged,
                lost.size(),
                failedButPresent.size(),
                duplicates.size(),
                leaks.size(),
                (System.nanoTime() - started) / 1e9);
        assertThat(cutsBefore + cutsAfter).as("cuts made").isPositive();
        assertThat(logs).as("the capture sees the pool's warnings").contains("marked as broken");
        assertThat(lost).as("acknowledged writes lost").isEmpty();
        assertThat(failedButPresent).as("writes failed NOT_WRITTEN but present").isEmpty();
        assertThat(duplicates).as("writes stored twice").isEmpty();
        // the store tells whether a write joined a caller's transaction from the write itself, so a write
        // acknowledged while the store became unreachable right after its commit is heard too
        assertThat(count(logs, "Consent listeners not called for"))
                .as("writes left unheard")
                .isZero();
        assertThat(heard.values()).as("listeners heard no write twice").allMatch(n -> n == 1);
        assertThat(heard.keySet())
                .as("listeners heard exactly the acknowledged writes")
                .isEqualTo(expectedHeard.keySet());
        assertThat(leaks).as("personal data in logs or exceptions").isEmpty();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
