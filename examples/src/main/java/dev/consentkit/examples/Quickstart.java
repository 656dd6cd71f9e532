package dev.consentkit.examples;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.VerificationReport;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A tour of consent-core on the in-memory store: three purposes, a few customers, a withdrawal, a Global
 * Privacy Control signal, an expiry crossed by moving the clock, a chain verification and an erasure.
 * Run it with {@code ./mvnw -q -pl examples -am package -DskipTests exec:java}.
 */
public final class Quickstart {

    private Quickstart() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the tour, printing to {@code out}; returns the manager for inspection. */
    public static ConsentManager run(PrintStream out) {
        MovableClock clock = new MovableClock(Instant.parse("2026-01-15T09:00:00Z"));
        ConsentManager consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email").basis(LegalBasis.CONSENT)
                                .title("Newsletter by e-mail").validFor(Period.ofMonths(13))
                                .directMarketing(true).dataCategories("email").build(),
                        Purpose.builder("analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Product analytics").dataCategories("usage").build(),
                        Purpose.builder("ads.sale").basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .title("Sharing with our ad partner").saleOrShare(true).build())
                .clock(clock)
                .pseudonymKey("quickstart-demo-key-not-for-production".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build();

        Evidence web = Evidence.builder().source(Source.WEB).collectionPoint("signup-form-v3")
                .noticeVersion("2026-01").noticeText("We send a monthly newsletter...")
                .ipAddress("203.0.113.77").userAgent("Mozilla/5.0 (demo)").build();
        consents.record(ConsentCommand.grant("alice", "marketing.email").evidence(web).build());
        consents.record(ConsentCommand.grant("bob", "marketing.email").evidence(web).build());
        consents.record(ConsentCommand.optOut("carol", "analytics")
                .evidence(Evidence.builder().source(Source.PHONE).collectionPoint("call-centre")
                        .actor(Actor.agent("agent-7")).build()).build());

        clock.advance(Duration.ofDays(30));
        consents.record(ConsentCommand.withdraw("bob", "marketing.email")
                .evidence(Evidence.of(Source.EMAIL, "unsubscribe-link")).build());
        consents.applyGlobalPrivacyControl("alice", Evidence.of(Source.WEB, "browser"));

        List<String> customers = List.of("alice", "bob", "carol", "dave");
        out.println("Decisions on " + clock.instant());
        table(out, consents, customers);

        clock.advance(Duration.ofDays(400));
        out.println();
        out.println("Decisions on " + clock.instant() + " (13 months later: alice's grant has lapsed)");
        table(out, consents, customers);

        out.println();
        out.println("Newsletter audience: " + consents.filterAllowed("marketing.email", customers).size()
                + " of " + customers.size());
        try (var history = consents.history(HistoryQuery.forSubject("bob"))) {
            out.println("bob's history:");
            history.forEach(r -> out.printf("  %s %-16s %-9s via %s%n", r.effectiveAt(), r.purpose(), r.status(),
                    r.evidence().collectionPoint()));
        }
        VerificationReport before = consents.verify();
        out.printf("Chains verified: %d records, %d subjects, intact=%s%n", before.recordsChecked(),
                before.subjectsChecked(), before.intact());
        consents.erase("carol", "art17-request");
        VerificationReport after = consents.verify();
        out.printf("After erasing carol: %d records, intact=%s, carol analytics -> %s%n", after.recordsChecked(),
                after.intact(), consents.check("carol", "analytics").reason());
        return consents;
    }

    private static void table(PrintStream out, ConsentManager consents, List<String> customers) {
        out.printf("  %-8s %-18s %-8s %s%n", "customer", "purpose", "allowed", "reason");
        for (String customer : customers) {
            for (String purpose : List.of("marketing.email", "analytics", "ads.sale")) {
                ConsentDecision d = consents.check(customer, purpose);
                out.printf("  %-8s %-18s %-8s %s%n", customer, purpose, d.allowed() ? "yes" : "no", d.reason());
            }
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
