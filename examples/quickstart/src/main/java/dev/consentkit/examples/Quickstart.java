package dev.consentkit.examples;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.export.SubjectAccessExport;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * A tour of ConsentKit on an embedded H2 file database: three purposes, choices with evidence for four
 * customers, a withdrawal, a Global Privacy Control signal, an expiry crossed by moving the clock, a new
 * purpose version that needs reconsent, a subject access export, chain verification and an erasure.
 *
 * <p>Run it with {@code ./mvnw -q -pl examples/quickstart -am package -DskipTests exec:java}. The database
 * lives in the directory given as the first argument (the module's {@code target/quickstart} when run through
 * Maven) and is deleted and created again at every run.
 */
public final class Quickstart {

    static final String NEWSLETTER = "marketing.email.newsletter";
    static final String ANALYTICS = "analytics";
    static final String AD_PARTNER = "ads.partner";
    static final List<String> PURPOSES = List.of(NEWSLETTER, ANALYTICS, AD_PARTNER);
    static final List<String> CUSTOMERS = List.of("alice", "bob", "carol", "dave");

    /** For the demo only: a real application keeps its pseudonymisation key in a secret store. */
    static final byte[] PSEUDONYM_KEY = "quickstart-demo-key-not-for-production".getBytes(StandardCharsets.UTF_8);

    static final String NEWSLETTER_TEXT_V1 = "Our monthly newsletter: product news and tips, by e-mail.";
    static final String NEWSLETTER_TEXT_V2 =
            "Our monthly newsletter: product news, tips and offers from selected partners, by e-mail.";

    private Quickstart() {}

    /** Runs the tour; the optional argument is the directory for the database and the export. */
    public static void main(String[] args) {
        // Hibernate Validator logs through JBoss Logging; send that to SLF4J like the rest instead of
        // java.util.logging.
        System.setProperty("org.jboss.logging.provider", "slf4j");
        Path dir = Path.of(args.length > 0 ? args[0] : "quickstart-data")
                .toAbsolutePath()
                .normalize();
        run(dir, System.out);
    }

    /**
     * Runs the tour with its database and export under {@code dir} (emptied first), printing to {@code out}.
     *
     * @return what the tour left behind, for inspection
     */
    public static Result run(Path dir, PrintStream out) {
        Path database = resetDatabase(dir);
        // A small pool keeps the database open for the whole tour; disposing of it closes the database.
        JdbcConnectionPool dataSource = JdbcConnectionPool.create("jdbc:h2:file:" + database, "sa", "");
        out.println("ConsentKit quickstart: H2 database at " + database + ".mv.db (recreated at every run)");
        try {
            return tour(dir, dataSource, out);
        } finally {
            dataSource.dispose();
        }
    }

    private static Result tour(Path dir, DataSource dataSource, PrintStream out) {

        MovableClock clock = new MovableClock(Instant.parse("2026-01-15T09:00:00Z"));
        JdbcConsentStore store =
                JdbcConsentStore.builder().dataSource(dataSource).clock(clock).build();
        store.createSchemaIfMissing();

        // Release 1 of the application declares three purposes.
        ConsentManager consents =
                manager(store, clock, newsletter(1, NEWSLETTER_TEXT_V1).build());

        Evidence signup = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form-v3")
                .noticeVersion("newsletter-v1")
                .noticeText(NEWSLETTER_TEXT_V1)
                .locale(Locale.ENGLISH)
                .actor(Actor.subject())
                .ipAddress("203.0.113.77")
                .userAgent("Mozilla/5.0 (quickstart)")
                .build();
        Evidence phone = Evidence.builder()
                .source(Source.PHONE)
                .collectionPoint("call-centre")
                .noticeVersion("newsletter-v1")
                .noticeText(NEWSLETTER_TEXT_V1)
                .actor(Actor.agent("agent-7"))
                .comment("customer called about a delivery and asked for the newsletter")
                .build();
        consents.recordAll(List.of(
                ConsentCommand.grant("alice", NEWSLETTER)
                        .evidence(signup)
                        .idempotencyKey("signup-alice")
                        .build(),
                ConsentCommand.grant("bob", NEWSLETTER)
                        .evidence(signup)
                        .idempotencyKey("signup-bob")
                        .build(),
                ConsentCommand.grant("bob", AD_PARTNER).evidence(signup).build(),
                ConsentCommand.grant("carol", NEWSLETTER).evidence(phone).build(),
                ConsentCommand.optOut("carol", ANALYTICS).evidence(phone).build()));
        // A retried form submission with the same idempotency key writes nothing.
        consents.record(ConsentCommand.grant("alice", NEWSLETTER)
                .evidence(signup)
                .idempotencyKey("signup-alice")
                .build());

        clock.advance(Duration.ofDays(30));
        consents.record(ConsentCommand.withdraw("bob", NEWSLETTER)
                .evidence(Evidence.of(Source.EMAIL, "unsubscribe-link"))
                .build());
        Evidence gpc = Evidence.builder()
                .source(Source.GPC_SIGNAL)
                .collectionPoint("website")
                .userAgent("Mozilla/5.0 (Sec-GPC: 1)")
                .build();
        List<ConsentRecord> aliceGpc = consents.applyGlobalPrivacyControl("alice", gpc);
        List<ConsentRecord> bobGpc = consents.applyGlobalPrivacyControl("bob", gpc);
        List<ConsentRecord> repeated = consents.applyGlobalPrivacyControl("bob", gpc);
        out.println();
        out.printf(
                "Global Privacy Control: alice opted out of %d purpose(s), bob of %d (conflict with his earlier "
                        + "grant: %s), bob's repeated signal wrote %d%n",
                aliceGpc.size(), bobGpc.size(), bobGpc.stream().anyMatch(ConsentRecord::conflict), repeated.size());

        out.println();
        out.println("1. Decisions on " + date(clock) + ": a withdrawal, an opt-out and a GPC signal");
        table(out, consents);

        clock.advance(Duration.ofDays(170));
        consents.record(
                ConsentCommand.grant("dave", NEWSLETTER).evidence(signup).build());
        clock.advance(Duration.ofDays(230));
        out.println();
        out.println("2. Decisions on " + date(clock) + ": the clock moved past the 13-month validity of alice's "
                + "and carol's grants; dave signed up later");
        table(out, consents);

        // Release 2 changes the newsletter materially: grants for version 1 no longer count.
        ConsentManager release2 = manager(
                store,
                clock,
                newsletter(1, NEWSLETTER_TEXT_V1).build(),
                newsletter(2, NEWSLETTER_TEXT_V2).reconsentFromVersion(2).build());
        out.println();
        out.println("3. Decisions on " + date(clock) + ": newsletter version 2 needs reconsent; alice gives it");
        release2.record(ConsentCommand.grant("alice", NEWSLETTER)
                .evidence(signup.toBuilder()
                        .noticeVersion("newsletter-v2")
                        .noticeText(NEWSLETTER_TEXT_V2)
                        .build())
                .build());
        table(out, release2);

        var audience = release2.filterAllowed(NEWSLETTER, CUSTOMERS);
        out.println();
        out.println("Newsletter audience (filterAllowed, one read): " + audience.size() + " of " + CUSTOMERS.size()
                + " " + audience.stream().map(s -> s.value()).sorted().toList());

        out.println();
        out.println("bob's history:");
        try (Stream<ConsentRecord> history = release2.history(HistoryQuery.forSubject("bob"))) {
            history.forEach(r -> out.printf(
                    "  %s  %-27s v%d %-10s %-10s %s%s%n",
                    r.recordedAt(),
                    r.purpose(),
                    r.purposeVersion(),
                    r.status(),
                    r.evidence().source(),
                    r.evidence().collectionPoint(),
                    r.conflict() ? "  (conflict)" : ""));
        }
        Path export = dir.resolve("bob-access-export.json");
        try (OutputStream file = Files.newOutputStream(export)) {
            SubjectAccessExport.of(release2).write("bob", file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println("bob's subject access export (Art. 15/20): " + export + " (" + size(export) + " bytes)");

        out.println();
        VerificationReport before = release2.verify();
        out.printf(
                "Chains verified: %d records of %d subjects, intact=%s%n",
                before.recordsChecked(), before.subjectsChecked(), before.intact());
        release2.erase("carol", "art17-request-2027-02");
        VerificationReport after = release2.verify();
        out.printf(
                "After erasing carol: %d records of %d subjects, intact=%s; carol's newsletter -> %s%n",
                after.recordsChecked(),
                after.subjectsChecked(),
                after.intact(),
                release2.check("carol", NEWSLETTER).reason());
        return new Result(export, before, after);
    }

    /** What a run left behind. */
    public record Result(Path export, VerificationReport before, VerificationReport after) {}

    static Purpose.Builder newsletter(int version, String text) {
        return Purpose.builder(NEWSLETTER)
                .version(version)
                .basis(LegalBasis.CONSENT)
                .title("Monthly newsletter")
                .description(text)
                .validFor(Period.ofMonths(13))
                .directMarketing(true)
                .dataCategories("email");
    }

    static ConsentManager manager(JdbcConsentStore store, Clock clock, Purpose... newsletterVersions) {
        return ConsentManager.builder()
                .purposes(newsletterVersions)
                .purposes(
                        Purpose.builder(ANALYTICS)
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Product analytics")
                                .description("We count page views to improve the shop.")
                                .dataCategories("usage")
                                .build(),
                        Purpose.builder(AD_PARTNER)
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Sharing with our ad partner")
                                .description("We share your purchase history with our advertising partner.")
                                .saleOrShare(true)
                                .dataCategories("purchases")
                                .build())
                .store(store)
                .clock(clock)
                .pseudonymKey(PSEUDONYM_KEY)
                .build();
    }

    private static void table(PrintStream out, ConsentManager consents) {
        out.printf(
                "  %-8s %-27s %-7s %-7s %-19s %s%n",
                "customer", "purpose", "version", "allowed", "reason", "decided by");
        for (String customer : CUSTOMERS) {
            for (String purpose : PURPOSES) {
                ConsentDecision d = consents.check(customer, purpose);
                String by = d.record()
                        .map(r -> r.status() + " v" + r.purposeVersion() + " via "
                                + r.evidence().source() + " " + r.evidence().collectionPoint())
                        .orElse("-");
                out.printf(
                        "  %-8s %-27s v%-6d %-7s %-19s %s%n",
                        customer, purpose, d.purposeVersion(), d.allowed() ? "yes" : "no", d.reason(), by);
            }
        }
    }

    private static Path resetDatabase(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String file : List.of("consentkit.mv.db", "consentkit.trace.db", "bob-access-export.json")) {
                Files.deleteIfExists(dir.resolve(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve("consentkit");
    }

    private static LocalDate date(Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clock the tour moves forward; real applications inject {@link Clock#systemUTC()}. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
