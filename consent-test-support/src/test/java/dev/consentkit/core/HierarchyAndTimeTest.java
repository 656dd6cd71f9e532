package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.consentkit.testsupport.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Table-driven cases for the latest covering record winning across the purpose hierarchy, and for
 * time: validity and expiry, bitemporal {@code checkAt} and microsecond truncation. The clock is a
 * {@link TestClock} that only moves when a test moves it.
 */
class HierarchyAndTimeTest {

    static final String ALICE = "alice";
    static final Evidence WEB = Evidence.of(Source.WEB, "preference-centre");

    final TestClock clock = TestClock.at(Instant.parse("2025-03-10T09:00:00Z"));

    ConsentManager manager(Purpose... purposes) {
        return ConsentManager.builder().purposes(purposes).clock(clock).build();
    }

    static Purpose consent(String id) {
        return Purpose.builder(id).basis(LegalBasis.CONSENT).build();
    }

    static Purpose legitimate(String id) {
        return Purpose.builder(id).basis(LegalBasis.LEGITIMATE_INTERESTS).build();
    }

    /**
     * Records a script such as {@code "grant a; withdraw a.b"} for {@link #ALICE}. With {@code tick} each
     * record gets its own instant (one minute apart); without, all share one instant and append order
     * breaks the tie.
     */
    void play(ConsentManager m, String script, boolean tick) {
        if (script == null || script.isBlank()) {
            return;
        }
        for (String step : script.split(";")) {
            String[] parts = step.trim().split("\\s+");
            String verb = parts[0];
            String purpose = parts[1];
            ConsentCommand.Builder command;
            switch (verb) {
                case "grant":
                    command = ConsentCommand.grant(ALICE, purpose);
                    break;
                case "pending":
                    command = ConsentCommand.grant(ALICE, purpose).pendingConfirmation(true);
                    break;
                case "deny":
                    command = ConsentCommand.deny(ALICE, purpose);
                    break;
                case "withdraw":
                    command = ConsentCommand.withdraw(ALICE, purpose);
                    break;
                case "optout":
                    command = ConsentCommand.optOut(ALICE, purpose);
                    break;
                default:
                    throw new IllegalArgumentException("unknown verb in test script: " + verb);
            }
            if (tick) {
                clock.advance(Duration.ofMinutes(1));
            }
            m.record(command.evidence(WEB).build());
        }
    }

    // ------------------------------------------------------------------ hierarchy

    @Nested
    class Hierarchy {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(consent("a"), consent("a.b"), consent("a.b.c"), consent("a.c"));
        }

        // records in order | expected for a | a.b | a.b.c | a.c (a.c is a sibling of a.b)
        @ParameterizedTest(name = "[{index}] ''{0}'' -> a={1}, a.b={2}, a.b.c={3}, a.c={4}")
        @CsvSource(
                delimiter = '|',
                nullValues = "-",
                value = {
                    "-                                           | NO_RECORD            | NO_RECORD            | NO_RECORD            | NO_RECORD",
                    "grant a                                     | GRANTED              | GRANTED              | GRANTED              | GRANTED",
                    "grant a.b                                   | NO_RECORD            | GRANTED              | GRANTED              | NO_RECORD",
                    "grant a.b.c                                 | NO_RECORD            | NO_RECORD            | GRANTED              | NO_RECORD",
                    "grant a; withdraw a.b                       | GRANTED              | WITHDRAWN            | WITHDRAWN            | GRANTED",
                    "withdraw a.b; grant a                       | GRANTED              | GRANTED              | GRANTED              | GRANTED",
                    "grant a.b.c; deny a                         | DENIED               | DENIED               | DENIED               | DENIED",
                    "deny a; grant a.b.c                         | DENIED               | DENIED               | GRANTED              | DENIED",
                    "grant a; optout a.b; grant a.b.c            | GRANTED              | OPTED_OUT            | GRANTED              | GRANTED",
                    "grant a.b; grant a.c; withdraw a.b.c        | NO_RECORD            | GRANTED              | WITHDRAWN            | GRANTED",
                    "optout a.c; grant a.b                       | NO_RECORD            | GRANTED              | GRANTED              | OPTED_OUT",
                    "pending a; grant a.b                        | PENDING_CONFIRMATION | GRANTED              | GRANTED              | PENDING_CONFIRMATION",
                    "grant a.b; pending a                        | PENDING_CONFIRMATION | PENDING_CONFIRMATION | PENDING_CONFIRMATION | PENDING_CONFIRMATION",
                    "grant a.b.c; withdraw a.b; grant a          | GRANTED              | GRANTED              | GRANTED              | GRANTED",
                    "grant a; withdraw a.b; grant a.b.c; optout a| OPTED_OUT            | OPTED_OUT            | OPTED_OUT            | OPTED_OUT",
                    "grant a; withdraw a; grant a.b              | WITHDRAWN            | GRANTED              | GRANTED              | WITHDRAWN",
                })
        void consentPurposesWhenStatementsOnSeveralLevelsThenLatestCoveringStatementWins(
                String script, DecisionReason a, DecisionReason ab, DecisionReason abc, DecisionReason ac) {
            play(m, script, true);

            assertReasons(Map.of("a", a, "a.b", ab, "a.b.c", abc, "a.c", ac));
        }

        @ParameterizedTest(name = "[{index}] same instant: ''{0}'' -> a={1}, a.b={2}, a.b.c={3}, a.c={4}")
        @CsvSource(
                delimiter = '|',
                value = {
                    "grant a; withdraw a.b                       | GRANTED              | WITHDRAWN            | WITHDRAWN            | GRANTED",
                    "withdraw a.b; grant a                       | GRANTED              | GRANTED              | GRANTED              | GRANTED",
                    "grant a.b.c; deny a                         | DENIED               | DENIED               | DENIED               | DENIED",
                    "deny a; grant a.b.c                         | DENIED               | DENIED               | GRANTED              | DENIED",
                    "grant a.b.c; withdraw a.b; grant a          | GRANTED              | GRANTED              | GRANTED              | GRANTED",
                    "grant a; withdraw a.b; grant a.b.c; optout a| OPTED_OUT            | OPTED_OUT            | OPTED_OUT            | OPTED_OUT",
                })
        void consentPurposesWhenStatementsShareOneInstantThenAppendOrderBreaksTheTie(
                String script, DecisionReason a, DecisionReason ab, DecisionReason abc, DecisionReason ac) {
            play(m, script, false);

            assertReasons(Map.of("a", a, "a.b", ab, "a.b.c", abc, "a.c", ac));
        }

        @ParameterizedTest(
                name = "[{index}] parent withdrawal effective at +{0} min, child grant at +10 min -> child {1}")
        @CsvSource({
            "5,  GRANTED", // the import took effect before the child grant: the grant is later
            "10, WITHDRAWN", // same effective instant: the record appended later wins
            "15, WITHDRAWN", // the import took effect after the child grant
        })
        void consentPurposesWhenParentStatementImportedLaterThenEffectiveTimeDecidesNotRecordingTime(
                long parentEffectiveMinutes, DecisionReason expectedChild) {
            Instant start = clock.instant();
            clock.set(start.plus(Duration.ofMinutes(10)));
            m.record(ConsentCommand.grant(ALICE, "a.b").evidence(WEB).build());
            clock.set(start.plus(Duration.ofMinutes(20)));
            m.record(ConsentCommand.withdraw(ALICE, "a")
                    .evidence(Evidence.of(Source.IMPORT, "paper-archive"))
                    .effectiveAt(start.plus(Duration.ofMinutes(parentEffectiveMinutes)))
                    .build());

            assertThat(m.check(ALICE, "a.b").reason()).isEqualTo(expectedChild);
            assertThat(m.check(ALICE, "a.b.c").reason()).isEqualTo(expectedChild);
            assertThat(m.check(ALICE, "a").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        void assertReasons(Map<String, DecisionReason> expected) {
            expected.forEach((purpose, reason) -> {
                ConsentDecision decision = m.check(ALICE, purpose);
                assertThat(decision.reason()).as(purpose).isEqualTo(reason);
                assertThat(decision.allowed()).as(purpose + " allowed").isEqualTo(reason == DecisionReason.GRANTED);
                assertThat(m.stateOf(ALICE).decision(purpose).orElseThrow().reason())
                        .as("stateOf " + purpose)
                        .isEqualTo(reason);
                assertThat(m.filterAllowed(purpose, List.of(ALICE)).isEmpty())
                        .as("filterAllowed " + purpose)
                        .isEqualTo(reason != DecisionReason.GRANTED);
                assertThat(m.checkAt(ALICE, purpose, clock.instant()).reason())
                        .as("checkAt " + purpose)
                        .isEqualTo(reason);
            });
        }
    }

    @Nested
    class LegitimateInterestsHierarchy {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(legitimate("l"), legitimate("l.m"), legitimate("l.m.n"), legitimate("l.x"));
        }

        @ParameterizedTest(name = "[{index}] ''{0}'' -> l={1}, l.m={2}, l.m.n={3}, l.x={4}")
        @CsvSource(
                delimiter = '|',
                nullValues = "-",
                value = {
                    "-                        | NOT_OBJECTED | NOT_OBJECTED | NOT_OBJECTED | NOT_OBJECTED",
                    "optout l                 | OPTED_OUT    | OPTED_OUT    | OPTED_OUT    | OPTED_OUT",
                    "optout l; grant l.m      | OPTED_OUT    | NOT_OBJECTED | NOT_OBJECTED | OPTED_OUT",
                    "grant l.m; withdraw l    | WITHDRAWN    | WITHDRAWN    | WITHDRAWN    | WITHDRAWN",
                    "deny l.m.n               | NOT_OBJECTED | NOT_OBJECTED | DENIED       | NOT_OBJECTED",
                    "optout l.m; grant l      | NOT_OBJECTED | NOT_OBJECTED | NOT_OBJECTED | NOT_OBJECTED",
                    "grant l; optout l.x      | NOT_OBJECTED | NOT_OBJECTED | NOT_OBJECTED | OPTED_OUT",
                })
        void legitimateInterestPurposesWhenStatementsOnSeveralLevelsThenLatestCoveringNoDenies(
                String script, DecisionReason l, DecisionReason lm, DecisionReason lmn, DecisionReason lx) {
            play(m, script, true);

            Map.of("l", l, "l.m", lm, "l.m.n", lmn, "l.x", lx).forEach((purpose, reason) -> {
                ConsentDecision decision = m.check(ALICE, purpose);
                assertThat(decision.reason()).as(purpose).isEqualTo(reason);
                assertThat(decision.allowed())
                        .as(purpose + " allowed")
                        .isEqualTo(reason == DecisionReason.NOT_OBJECTED);
            });
        }
    }

    // ------------------------------------------------------------------ validity and expiry

    @Nested
    class Expiry {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(
                    Purpose.builder("newsletter")
                            .basis(LegalBasis.CONSENT)
                            .validFor(Period.ofMonths(13))
                            .build(),
                    Purpose.builder("newsletter.weekly")
                            .basis(LegalBasis.CONSENT)
                            .build(),
                    Purpose.builder("analytics")
                            .basis(LegalBasis.LEGITIMATE_INTERESTS)
                            .validFor(Period.ofMonths(13))
                            .build());
        }

        @ParameterizedTest(name = "[{index}] granted {0}, expires {1}, checked {2} -> {3}")
        @CsvSource({
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2024-01-15T09:30:00Z,           GRANTED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2025-01-15T09:30:00Z,           GRANTED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2025-02-15T09:29:59.999999Z,    GRANTED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2025-02-15T09:29:59.999999999Z, GRANTED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2025-02-15T09:30:00Z,           EXPIRED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2025-02-15T09:30:00.000001Z,    EXPIRED",
            "2024-01-15T09:30:00Z,           2025-02-15T09:30:00Z, 2027-01-01T00:00:00Z,           EXPIRED",
            // 13 months after 31 January is the last day of February (2025 is not a leap year)
            "2024-01-31T12:00:00Z,           2025-02-28T12:00:00Z, 2025-02-28T11:59:59.999999Z,    GRANTED",
            "2024-01-31T12:00:00Z,           2025-02-28T12:00:00Z, 2025-02-28T12:00:00Z,           EXPIRED",
            // validity is computed in UTC, across a year boundary
            "2023-12-31T23:00:00Z,           2025-01-31T23:00:00Z, 2025-01-31T22:59:59.999999Z,    GRANTED",
            "2023-12-31T23:00:00Z,           2025-01-31T23:00:00Z, 2025-01-31T23:00:00Z,           EXPIRED",
            // the grant's instant is truncated to microseconds before the validity is added
            "2024-01-15T09:30:00.000000500Z, 2025-02-15T09:30:00Z, 2025-02-15T09:30:00Z,           EXPIRED",
        })
        void checkWhenClockMovesAcrossThirteenMonthValidityThenGrantedUntilExpiry(
                Instant grantedAt, Instant expiresAt, Instant checkedAt, DecisionReason expected) {
            clock.set(grantedAt);
            ConsentRecord grant = m.record(
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            clock.set(checkedAt);

            ConsentDecision decision = m.check(ALICE, "newsletter");

            assertThat(grant.recordedAt()).isEqualTo(grantedAt.truncatedTo(ChronoUnit.MICROS));
            assertThat(grant.expiresAt()).contains(expiresAt);
            assertThat(decision.reason()).isEqualTo(expected);
            assertThat(decision.allowed()).isEqualTo(expected == DecisionReason.GRANTED);
            assertThat(decision.record()).contains(grant);
            // the parent's validity governs the child it covers
            assertThat(m.check(ALICE, "newsletter.weekly").reason()).isEqualTo(expected);
            assertThat(m.filterAllowed("newsletter", List.of(ALICE)).isEmpty())
                    .isEqualTo(expected != DecisionReason.GRANTED);
            assertThat(m.stateOf(ALICE).decision("newsletter").orElseThrow().reason())
                    .isEqualTo(expected);
        }

        @ParameterizedTest(name = "[{index}] {0} months after the grant -> {1}")
        @CsvSource({
            "0,  GRANTED",
            "1,  GRANTED",
            "6,  GRANTED",
            "12, GRANTED",
            "13, EXPIRED",
            "14, EXPIRED",
            "25, EXPIRED",
        })
        void checkWhenClockMovedForwardMonthByMonthThenExpiresAtThirteenMonths(int months, DecisionReason expected) {
            m.record(ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            for (int i = 0; i < months; i++) {
                clock.advance(Period.ofMonths(1));
            }

            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(expected);
        }

        @Test
        void checkAtWhenClockIsPastExpiryThenPastInstantsStillAnsweredByValidity() {
            ConsentRecord grant = m.record(
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            Instant expiry = grant.expiresAt().orElseThrow();
            clock.advance(Period.ofMonths(20));

            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.EXPIRED);
            assertThat(m.checkAt(ALICE, "newsletter", expiry.minus(1, ChronoUnit.MICROS))
                            .reason())
                    .isEqualTo(DecisionReason.GRANTED);
            assertThat(m.checkAt(ALICE, "newsletter", expiry).reason()).isEqualTo(DecisionReason.EXPIRED);
        }

        @Test
        void checkWhenGrantedAgainAfterExpiryThenValidityRestarts() {
            m.record(ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            clock.advance(Period.ofMonths(14));
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.EXPIRED);

            ConsentRecord again = m.record(
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            clock.advance(Period.ofMonths(12));

            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "newsletter").record()).contains(again);
        }

        @Test
        void checkWhenImportedGrantTookEffectLongAgoThenValidityCountsFromEffectiveTime() {
            Instant effective = clock.instant().minus(Period.ofDays(400));
            ConsentRecord imported = m.record(ConsentCommand.grant(ALICE, "newsletter")
                    .evidence(Evidence.of(Source.IMPORT, "crm-import"))
                    .effectiveAt(effective)
                    .build());

            assertThat(imported.expiresAt())
                    .contains(effective
                            .atZone(ZoneOffset.UTC)
                            .plus(Period.ofMonths(13))
                            .toInstant());
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.EXPIRED);
        }

        @Test
        void checkWhenNoValidityDeclaredThenGrantNeverExpires() {
            ConsentRecord grant = m.record(ConsentCommand.grant(ALICE, "newsletter.weekly")
                    .evidence(WEB)
                    .build());
            clock.advance(Period.ofYears(30));

            assertThat(grant.expiresAt()).isEmpty();
            assertThat(m.check(ALICE, "newsletter.weekly").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void checkWhenLegitimateInterestGrantLapsedThenStillNotObjected() {
            m.record(ConsentCommand.grant(ALICE, "analytics").evidence(WEB).build());
            clock.advance(Period.ofMonths(14));

            assertThat(m.check(ALICE, "analytics").reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
        }

        @Test
        void checkWhenClockHasNanosecondsThenRecordsAreTruncatedAndStillDecideImmediately() {
            clock.set(Instant.parse("2025-03-10T09:00:00.123456789Z"));

            ConsentRecord grant = m.record(
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());

            assertThat(grant.recordedAt()).isEqualTo(Instant.parse("2025-03-10T09:00:00.123456Z"));
            assertThat(grant.effectiveAt()).isEqualTo(grant.recordedAt());
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.checkAt(ALICE, "newsletter", grant.recordedAt()).reason())
                    .isEqualTo(DecisionReason.GRANTED);
        }
    }

    // ------------------------------------------------------------------ bitemporal checkAt

    @Nested
    class Bitemporal {

        static final Instant LIVE_GRANT = Instant.parse("2024-02-01T10:00:00Z");
        static final Instant WITHDRAWAL = Instant.parse("2024-04-01T10:00:00Z");
        static final Instant IMPORT_RECORDED = Instant.parse("2024-06-01T10:00:00Z");
        static final Instant IMPORT_EFFECTIVE = Instant.parse("2024-01-10T10:00:00Z");
        static final Instant NOW = Instant.parse("2024-07-01T00:00:00Z");

        ConsentManager m;
        Map<String, ConsentRecord> records;

        @BeforeEach
        void setUp() {
            m = manager(consent("newsletter"), consent("newsletter.weekly"));
            clock.set(LIVE_GRANT);
            ConsentRecord live = m.record(
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).build());
            clock.set(WITHDRAWAL);
            ConsentRecord withdrawal = m.record(ConsentCommand.withdraw(ALICE, "newsletter.weekly")
                    .evidence(WEB)
                    .build());
            clock.set(IMPORT_RECORDED);
            ConsentRecord imported = m.record(ConsentCommand.grant(ALICE, "newsletter")
                    .evidence(Evidence.builder()
                            .source(Source.IMPORT)
                            .collectionPoint("paper-archive")
                            .actor(Actor.system("paper-import"))
                            .build())
                    .effectiveAt(IMPORT_EFFECTIVE)
                    .build());
            clock.set(NOW);
            records = Map.of("live", live, "withdrawal", withdrawal, "import", imported);
        }

        @Test
        void importKeepsItsPastEffectiveTimeAndItsLaterRecordingTime() {
            ConsentRecord imported = records.get("import");

            assertThat(imported.effectiveAt()).isEqualTo(IMPORT_EFFECTIVE);
            assertThat(imported.recordedAt()).isEqualTo(IMPORT_RECORDED);
            assertThat(m.check(ALICE, "newsletter.weekly").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(m.check(ALICE, "newsletter").record()).contains(records.get("live"));
        }

        // at | asKnownAt ("-": everything recorded so far) | expected on newsletter.weekly | deciding record
        @ParameterizedTest(name = "[{index}] at {0}, as known at {1} -> {2} by {3}")
        @CsvSource(
                nullValues = "-",
                value = {
                    "2024-01-05T00:00:00Z,        -,                           NO_RECORD, -",
                    "2024-01-10T09:59:59.999999Z, -,                           NO_RECORD, -",
                    "2024-01-10T10:00:00Z,        -,                           GRANTED,   import",
                    "2024-01-15T00:00:00Z,        -,                           GRANTED,   import",
                    "2024-01-15T00:00:00Z,        2024-03-01T00:00:00Z,        NO_RECORD, -",
                    "2024-01-15T00:00:00Z,        2024-06-01T09:59:59.999999Z, NO_RECORD, -",
                    "2024-01-15T00:00:00Z,        2024-06-01T10:00:00Z,        GRANTED,   import",
                    "2024-01-15T00:00:00Z,        2024-06-30T00:00:00Z,        GRANTED,   import",
                    "2024-03-01T00:00:00Z,        2024-01-31T00:00:00Z,        NO_RECORD, -",
                    "2024-02-01T10:00:00Z,        2024-02-01T10:00:00Z,        GRANTED,   live",
                    "2024-03-01T00:00:00Z,        -,                           GRANTED,   live",
                    "2024-05-01T00:00:00Z,        2024-03-01T00:00:00Z,        GRANTED,   live",
                    "2024-05-01T00:00:00Z,        -,                           WITHDRAWN, withdrawal",
                    "2024-04-01T10:00:00Z,        -,                           WITHDRAWN, withdrawal",
                    "2024-07-01T00:00:00Z,        -,                           WITHDRAWN, withdrawal",
                    "2024-07-01T00:00:00Z,        2024-07-01T00:00:00Z,        WITHDRAWN, withdrawal",
                })
        void checkAtAnswersFromWhatWasRecordedByAsKnownAt(
                Instant at, Instant asKnownAt, DecisionReason expected, String decidingRecord) {
            ConsentDecision decision = asKnownAt == null
                    ? m.checkAt(ALICE, "newsletter.weekly", at)
                    : m.checkAt(ALICE, "newsletter.weekly", at, asKnownAt);

            assertThat(decision.reason()).isEqualTo(expected);
            assertThat(decision.at()).isEqualTo(at);
            if (decidingRecord == null) {
                assertThat(decision.record()).isEmpty();
            } else {
                assertThat(decision.record()).contains(records.get(decidingRecord));
            }
        }

        @Test
        void checkAtWithoutAsKnownAtEqualsAsKnownNow() {
            for (Instant at : List.of(IMPORT_EFFECTIVE, LIVE_GRANT, WITHDRAWAL, NOW)) {
                assertThat(m.checkAt(ALICE, "newsletter.weekly", at))
                        .isEqualTo(m.checkAt(ALICE, "newsletter.weekly", at, NOW));
            }
        }

        @Test
        void checkAtNowAgreesWithCheck() {
            assertThat(m.checkAt(ALICE, "newsletter", NOW)).isEqualTo(m.check(ALICE, "newsletter"));
            assertThat(m.checkAt(ALICE, "newsletter.weekly", NOW)).isEqualTo(m.check(ALICE, "newsletter.weekly"));
        }

        @Test
        void checkAtWhenAtInFutureThenInvalidRequestNamingAt() {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "newsletter", NOW.plus(1, ChronoUnit.MICROS)))
                    .satisfies(e -> {
                        assertThat(e.fields()).containsExactly("at");
                        assertThat(e.getMessage()).contains("at");
                    });
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "newsletter", NOW.plus(Duration.ofDays(1)), NOW))
                    .satisfies(e -> assertThat(e.fields()).containsExactly("at"));
        }

        @Test
        void checkAtWhenAsKnownAtInFutureThenInvalidRequestNamingAsKnownAt() {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "newsletter", LIVE_GRANT, NOW.plusSeconds(1)))
                    .satisfies(e -> assertThat(e.fields()).containsExactly("asKnownAt"));
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "newsletter", NOW.plusSeconds(1), NOW.plusSeconds(1)))
                    .satisfies(e -> assertThat(e.fields()).containsExactlyInAnyOrder("at", "asKnownAt"));
        }

        @Test
        void checkAtWhenAtIsNowWithinTheCurrentMicrosecondThenNotInTheFuture() {
            Instant withNanos = NOW.plusNanos(400);
            clock.set(withNanos);

            assertThat(m.checkAt(ALICE, "newsletter", withNanos).reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.checkAt(ALICE, "newsletter", NOW, withNanos).reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void recordWhenEffectiveAtInFutureThenInvalidRequestAndNothingWritten() {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.record(ConsentCommand.grant(ALICE, "newsletter")
                            .evidence(WEB)
                            .effectiveAt(NOW.plusSeconds(1))
                            .build()))
                    .satisfies(e -> assertThat(e.fields()).containsExactly("effectiveAt"));
            assertThat(m.checkAt(ALICE, "newsletter.weekly", NOW).reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }
    }
}
