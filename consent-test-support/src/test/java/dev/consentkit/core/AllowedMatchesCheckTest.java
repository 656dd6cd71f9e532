package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.consentkit.testsupport.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test of the allocation-free {@link ConsentManager#allowed(String, String)} against
 * {@code check(...).allowed()} on the in-memory store: random histories of grants, refusals, pending grants and
 * their confirmations, imports with earlier effective times, old purpose versions below the reconsent version,
 * Global Privacy Control signals and erasures over a purpose hierarchy with every legal basis, with a
 * {@link TestClock} moved back and forth across the grants' expiry (to the microsecond and within it). After every
 * step both answers must agree for every subject (pseudonyms of erased subjects included) and every purpose.
 */
class AllowedMatchesCheckTest {

    static final Instant START = Instant.parse("2026-02-01T08:00:00.000100Z");
    static final byte[] KEY = "allowed-test-pseudonym-key-0123456789".getBytes(StandardCharsets.UTF_8);

    static final List<Purpose> PURPOSES = List.of(
            Purpose.builder("mkt")
                    .basis(LegalBasis.CONSENT)
                    .validFor(Period.ofDays(30))
                    .build(),
            Purpose.builder("mkt.email")
                    .basis(LegalBasis.CONSENT)
                    .validFor(Period.ofDays(10))
                    .directMarketing(true)
                    .build(),
            Purpose.builder("mkt.email.weekly").basis(LegalBasis.CONSENT).build(),
            Purpose.builder("ads").basis(LegalBasis.CONSENT).version(1).build(),
            Purpose.builder("ads")
                    .basis(LegalBasis.CONSENT)
                    .version(2)
                    .reconsentFromVersion(2)
                    .saleOrShare(true)
                    .validFor(Period.ofDays(5))
                    .build(),
            Purpose.builder("stats").basis(LegalBasis.LEGITIMATE_INTERESTS).build(),
            Purpose.builder("stats.deep").basis(LegalBasis.CONSENT).build(),
            Purpose.builder("billing").basis(LegalBasis.CONTRACT).build(),
            Purpose.builder("billing.reminders")
                    .basis(LegalBasis.LEGITIMATE_INTERESTS)
                    .build());

    static final List<String> PURPOSE_NAMES = List.of(
            "mkt", "mkt.email", "mkt.email.weekly", "ads", "stats", "stats.deep", "billing", "billing.reminders");

    static Stream<Long> seeds() {
        return IntStream.range(0, 60).mapToObj(i -> 7919L * i + 13);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void allowedEqualsCheckAfterEveryStepOfARandomHistory(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // every other history starts on a whole millisecond, so that expiries fall on millisecond boundaries too
        TestClock clock = TestClock.at(seed % 2 == 0 ? START.truncatedTo(ChronoUnit.MILLIS) : START);
        ConsentManager consents = ConsentManager.builder()
                .purposes(PURPOSES)
                .clock(clock)
                .pseudonymKey(KEY)
                .build();
        List<String> subjects = new ArrayList<>(List.of("s-0", "s-1", "s-2", "s-3", " padded ", "\uD83D\uDE00-emoji"));
        LinkedHashSet<String> asked = new LinkedHashSet<>(subjects);
        asked.add("never-seen");
        List<Instant> expiries = new ArrayList<>();
        List<String> pendingTokens = new ArrayList<>();
        for (int step = 0; step < 40; step++) {
            String subject = subjects.get(random.nextInt(subjects.size()));
            String purpose = PURPOSE_NAMES.get(random.nextInt(PURPOSE_NAMES.size()));
            int action = random.nextInt(15);
            try {
                switch (action) {
                    case 0, 1, 2 -> record(consents, ConsentCommand.grant(subject, purpose), expiries);
                    case 3 -> record(consents, ConsentCommand.withdraw(subject, purpose), expiries);
                    case 4 -> record(consents, ConsentCommand.deny(subject, purpose), expiries);
                    case 5 -> record(consents, ConsentCommand.optOut(subject, purpose), expiries);
                    case 6 ->
                        pendingTokens.add(record(
                                        consents,
                                        ConsentCommand.grant(subject, purpose).pendingConfirmation(true),
                                        expiries)
                                .id()
                                .toString());
                    case 7 -> {
                        if (!pendingTokens.isEmpty()) {
                            consents.confirm(pendingTokens.remove(random.nextInt(pendingTokens.size())));
                        }
                    }
                    case 8 ->
                        record( // an import: took effect earlier than it is recorded
                                consents,
                                ConsentCommand.grant(subject, purpose)
                                        .effectiveAt(clock.instant().minus(Duration.ofDays(random.nextInt(1, 40)))),
                                expiries);
                    case 9 ->
                        record( // the old version of "ads", below its reconsent version
                                consents, ConsentCommand.grant(subject, "ads").purposeVersion(1), expiries);
                    case 10 -> consents.applyGlobalPrivacyControl(subject, Evidence.of(Source.GPC_SIGNAL, "header"));
                    case 11 -> {
                        if (random.nextInt(3) == 0) {
                            Optional<ErasureRecord> erased = consents.erase(subject, "request");
                            erased.ifPresent(e -> asked.add(e.subject().value()));
                        }
                    }
                    case 12 -> clock.advance(Duration.ofHours(random.nextInt(1, 24 * 12)));
                    case 13 -> clock.advance(Duration.ofNanos(random.nextLong(1, 3_000_000)));
                    default -> {
                        if (!expiries.isEmpty()) { // onto, just before or just after an expiry
                            Instant expiry = expiries.get(random.nextInt(expiries.size()));
                            long nanos =
                                    new long[] {-1_000, -1, 0, 1, 999, 1_000, -999_999, 1_000_000}[random.nextInt(8)];
                            clock.set(expiry.plusNanos(nanos));
                        }
                    }
                }
            } catch (ObjectionInForceException | SubjectErasedException | InvalidConfirmationException e) {
                // refused by the rules: nothing written, the answers must still agree
            }
            assertAgree(consents, asked, "seed " + seed + ", step " + step);
        }
    }

    @Test
    void invalidInputThrowsAsCheckDoes() {
        ConsentManager consents = ConsentManager.builder().purposes(PURPOSES).build();
        for (String bad : new String[] {"", "   ", "tab\tin", "line\u2028sep", "\uD800alone", "x".repeat(256)}) {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> consents.allowed(bad, "mkt"));
        }
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed((String) null, "mkt"));
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed("s-1", (String) null));
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed("s-1", "Not A Purpose"));
        assertThatExceptionOfType(UnknownPurposeException.class)
                .isThrownBy(() -> consents.allowed("s-1", "undeclared"));
    }

    private static ConsentRecord record(
            ConsentManager consents, ConsentCommand.Builder command, List<Instant> expiries) {
        ConsentRecord r = consents.record(
                command.evidence(Evidence.of(Source.WEB, "form")).build());
        r.expiresAt().ifPresent(expiries::add);
        return r;
    }

    private static void assertAgree(ConsentManager consents, Iterable<String> subjects, String where) {
        for (String s : subjects) {
            for (String p : PURPOSE_NAMES) {
                boolean expected = consents.check(s, p).allowed();
                assertThat(consents.allowed(s, p))
                        .as(
                                "%s: allowed(%s, %s) at %s",
                                where, s, p, consents.clock().instant().truncatedTo(ChronoUnit.MICROS))
                        .isEqualTo(expected);
                assertThat(consents.allowed(SubjectId.of(s), PurposeId.of(p)))
                        .as("%s: typed allowed(%s, %s)", where, s, p)
                        .isEqualTo(expected);
            }
        }
    }
}
