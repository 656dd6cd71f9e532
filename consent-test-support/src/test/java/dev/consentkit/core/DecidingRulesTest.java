package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.consentkit.testsupport.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deciding rules of SPEC.md ("Deciding"), one group per rule, plus the behaviour around them (require,
 * stateOf, filterAllowed, tenants, purpose texts, double opt-in). Every test uses a {@link TestClock}, so
 * nothing depends on the wall clock.
 */
class DecidingRulesTest {

    static final Instant START = Instant.parse("2025-03-10T09:00:00Z");
    static final String ALICE = "alice";
    static final String BOB = "bob";
    static final Evidence WEB = Evidence.of(Source.WEB, "preference-centre");
    static final Evidence AGENT_BY_PHONE = Evidence.builder()
            .source(Source.PHONE)
            .collectionPoint("call-centre")
            .actor(Actor.agent("agent-7"))
            .build();
    static final byte[] PSEUDONYM_KEY = "0123456789abcdef-test-key".getBytes(StandardCharsets.UTF_8);

    final TestClock clock = TestClock.at(START);

    // ------------------------------------------------------------------ helpers

    static Purpose consent(String id) {
        return Purpose.builder(id).basis(LegalBasis.CONSENT).build();
    }

    static Purpose legitimate(String id) {
        return Purpose.builder(id).basis(LegalBasis.LEGITIMATE_INTERESTS).build();
    }

    ConsentManager manager(Purpose... purposes) {
        return ConsentManager.builder().purposes(purposes).clock(clock).build();
    }

    ConsentManager erasableManager(Purpose... purposes) {
        return ConsentManager.builder()
                .purposes(purposes)
                .clock(clock)
                .pseudonymKey(PSEUDONYM_KEY)
                .build();
    }

    /** Moves the clock one minute on, then records: every record gets its own instant. */
    ConsentRecord later(ConsentManager m, ConsentCommand.Builder command) {
        clock.advance(Duration.ofMinutes(1));
        return m.record(command.build());
    }

    ConsentRecord grant(ConsentManager m, String subject, String purpose) {
        return later(m, ConsentCommand.grant(subject, purpose).evidence(WEB));
    }

    static long auditEntries(ConsentManager m) {
        try (Stream<AuditEntry> entries = m.auditTrail(HistoryQuery.all())) {
            return entries.count();
        }
    }

    static long consentRecords(ConsentManager m, String subject) {
        try (Stream<ConsentRecord> records = m.history(HistoryQuery.forSubject(subject))) {
            return records.count();
        }
    }

    // ------------------------------------------------------------------ unknown purpose

    @Nested
    class Rule1UnknownPurpose {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(consent("marketing"), consent("marketing.email"), legitimate("analytics"));
        }

        @Test
        void checkWhenPurposeUndeclaredThenUnknownPurposeException() {
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.check(ALICE, "marketing.sms"))
                    .satisfies(e -> assertThat(e.purpose()).isEqualTo("marketing.sms"));
        }

        @Test
        void checkWhenAncestorIsGrantedButPurposeUndeclaredThenStillUnknownPurposeException() {
            grant(m, ALICE, "marketing");

            assertThatExceptionOfType(UnknownPurposeException.class).isThrownBy(() -> m.check(ALICE, "marketing.sms"));
        }

        @Test
        void checkWithTypedIdsWhenPurposeUndeclaredThenUnknownPurposeException() {
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.check(SubjectId.of(ALICE), PurposeId.of("ads")));
        }

        @Test
        void checkWhenOnlyChildDeclaredThenParentIsUnknown() {
            ConsentManager childOnly = manager(consent("ads.sale"));

            assertThatExceptionOfType(UnknownPurposeException.class).isThrownBy(() -> childOnly.check(ALICE, "ads"));
        }

        @Test
        void checkAtWhenPurposeUndeclaredThenUnknownPurposeException() {
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "marketing.sms", START.minusSeconds(60)));
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.checkAt(ALICE, "marketing.sms", START.minusSeconds(60), START));
        }

        @Test
        void requireWhenPurposeUndeclaredThenUnknownPurposeExceptionNotConsentDenied() {
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.require(ALICE, "marketing.sms"));
        }

        @Test
        void filterAllowedWhenPurposeUndeclaredThenUnknownPurposeException() {
            assertThatExceptionOfType(UnknownPurposeException.class)
                    .isThrownBy(() -> m.filterAllowed("marketing.sms", List.of(ALICE, BOB)));
        }

        @Test
        void stateOfCoversDeclaredPurposesOnly() {
            SubjectConsents state = m.stateOf(ALICE);

            assertThat(state.decisions().keySet())
                    .containsExactlyInAnyOrder(
                            PurposeId.of("marketing"), PurposeId.of("marketing.email"), PurposeId.of("analytics"));
            assertThat(state.decision("marketing.sms")).isEmpty();
            assertThatExceptionOfType(UnknownPurposeException.class).isThrownBy(() -> state.allowed("marketing.sms"));
        }
    }

    // ------------------------------------------------------------------ legal basis

    @Nested
    class Rule2LegalBasis {

        @ParameterizedTest
        @EnumSource(
                value = LegalBasis.class,
                names = {"CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK"})
        void checkWhenBasisIndependentOfChoiceThenAllowedWithLegalBasis(LegalBasis basis) {
            ConsentManager m = manager(Purpose.builder("billing").basis(basis).build());

            ConsentDecision decision = m.check(ALICE, "billing");

            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
            assertThat(decision.basis()).isEqualTo(basis);
            assertThat(decision.record()).isEmpty();
        }

        @ParameterizedTest
        @EnumSource(
                value = LegalBasis.class,
                names = {"CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK"})
        void checkWhenBasisIndependentOfChoiceAndSubjectOptedOutThenStillAllowed(LegalBasis basis) {
            ConsentManager m = manager(Purpose.builder("billing").basis(basis).build());
            later(m, ConsentCommand.optOut(ALICE, "billing").evidence(WEB));

            ConsentDecision decision = m.check(ALICE, "billing");

            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
            assertThat(m.require(ALICE, "billing").reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
            assertThat(m.stateOf(ALICE).allowed("billing")).isTrue();
            assertThat(m.filterAllowed("billing", List.of(ALICE, BOB)))
                    .containsExactly(SubjectId.of(ALICE), SubjectId.of(BOB));
        }

        @ParameterizedTest
        @EnumSource(
                value = LegalBasis.class,
                names = {"CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK"})
        void checkWhenBasisIndependentOfChoiceAndParentWithdrawnThenStillAllowed(LegalBasis basis) {
            ConsentManager m = manager(
                    consent("service"),
                    Purpose.builder("service.billing").basis(basis).build());
            grant(m, ALICE, "service");
            later(m, ConsentCommand.withdraw(ALICE, "service").evidence(WEB));
            later(m, ConsentCommand.deny(ALICE, "service.billing").evidence(WEB));

            assertThat(m.check(ALICE, "service").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(m.check(ALICE, "service.billing").reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
        }
    }

    // ------------------------------------------------------------------ the latest covering record wins

    @Nested
    class Rule3LatestCoveringStatementWins {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(consent("marketing"), consent("marketing.email"), consent("marketing.sms"));
        }

        @Test
        void checkWhenParentGrantedThenChildGrantedByParentRecord() {
            ConsentRecord parent = grant(m, ALICE, "marketing");

            ConsentDecision decision = m.check(ALICE, "marketing.email");

            assertThat(decision.reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(decision.record()).contains(parent);
        }

        @Test
        void checkWhenChildWithdrawnAfterParentGrantThenChildWithdrawnAndParentStillGranted() {
            grant(m, ALICE, "marketing");
            ConsentRecord child =
                    later(m, ConsentCommand.withdraw(ALICE, "marketing.email").evidence(WEB));

            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(m.check(ALICE, "marketing.email").record()).contains(child);
            assertThat(m.check(ALICE, "marketing").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void checkWhenParentWithdrawnAfterChildGrantThenChildWithdrawn() {
            grant(m, ALICE, "marketing.email");
            ConsentRecord parent =
                    later(m, ConsentCommand.withdraw(ALICE, "marketing").evidence(WEB));

            ConsentDecision decision = m.check(ALICE, "marketing.email");

            assertThat(decision.reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(decision.record()).contains(parent);
        }

        @Test
        void checkWhenChildGrantedAfterParentDeniedThenChildGrantedAndParentDenied() {
            later(m, ConsentCommand.deny(ALICE, "marketing").evidence(WEB));
            grant(m, ALICE, "marketing.email");

            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "marketing").reason()).isEqualTo(DecisionReason.DENIED);
            assertThat(m.check(ALICE, "marketing.sms").reason()).isEqualTo(DecisionReason.DENIED);
        }

        @Test
        void checkWhenSiblingGrantedThenOtherSiblingHasNoRecord() {
            grant(m, ALICE, "marketing.email");

            assertThat(m.check(ALICE, "marketing.sms").reason()).isEqualTo(DecisionReason.NO_RECORD);
            assertThat(m.check(ALICE, "marketing").reason()).isEqualTo(DecisionReason.NO_RECORD);
        }

        @Test
        void checkWhenSiblingWithdrawnAfterParentGrantThenOtherSiblingStillGranted() {
            grant(m, ALICE, "marketing");
            later(m, ConsentCommand.withdraw(ALICE, "marketing.email").evidence(WEB));

            assertThat(m.check(ALICE, "marketing.sms").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void checkWhenStatementsShareOneInstantThenTheOneRecordedLastWins() {
            // no clock movement: the tie is broken by append order
            m.record(ConsentCommand.grant(ALICE, "marketing").evidence(WEB).build());
            m.record(ConsentCommand.withdraw(ALICE, "marketing.email")
                    .evidence(WEB)
                    .build());
            ConsentRecord last = m.record(
                    ConsentCommand.grant(ALICE, "marketing").evidence(WEB).build());

            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "marketing.email").record()).contains(last);
        }

        @Test
        void checkWhenOtherSubjectGrantedThenNoRecord() {
            grant(m, BOB, "marketing");

            assertThat(m.check(ALICE, "marketing").reason()).isEqualTo(DecisionReason.NO_RECORD);
        }
    }

    // ------------------------------------------------------------------ consent

    @Nested
    class Rule4Consent {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(Purpose.builder("newsletter")
                    .basis(LegalBasis.CONSENT)
                    .validFor(Period.ofMonths(13))
                    .build());
        }

        void assertDecision(DecisionReason reason, boolean allowed, ConsentRecord decidingRecord) {
            ConsentDecision decision = m.check(ALICE, "newsletter");
            assertThat(decision.reason()).isEqualTo(reason);
            assertThat(decision.allowed()).isEqualTo(allowed);
            assertThat(decision.basis()).isEqualTo(LegalBasis.CONSENT);
            if (decidingRecord == null) {
                assertThat(decision.record()).isEmpty();
            } else {
                assertThat(decision.record()).contains(decidingRecord);
            }
        }

        @Test
        void checkWhenNothingRecordedThenDeniedNoRecord() {
            assertDecision(DecisionReason.NO_RECORD, false, null);
        }

        @Test
        void checkWhenGrantedThenAllowedGranted() {
            ConsentRecord r = grant(m, ALICE, "newsletter");

            assertDecision(DecisionReason.GRANTED, true, r);
        }

        @Test
        void checkWhenDeniedThenDeniedDenied() {
            ConsentRecord r = later(m, ConsentCommand.deny(ALICE, "newsletter").evidence(WEB));

            assertDecision(DecisionReason.DENIED, false, r);
        }

        @Test
        void checkWhenConsentWithdrawnThenDenied() {
            grant(m, ALICE, "newsletter");
            ConsentRecord r =
                    later(m, ConsentCommand.withdraw(ALICE, "newsletter").evidence(WEB));

            assertDecision(DecisionReason.WITHDRAWN, false, r);
        }

        @Test
        void checkWhenOptedOutAfterGrantThenDeniedOptedOut() {
            grant(m, ALICE, "newsletter");
            ConsentRecord r =
                    later(m, ConsentCommand.optOut(ALICE, "newsletter").evidence(WEB));

            assertDecision(DecisionReason.OPTED_OUT, false, r);
        }

        @Test
        void checkWhenGrantAwaitsConfirmationThenDeniedPendingConfirmation() {
            ConsentRecord r = later(
                    m, ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).pendingConfirmation(true));

            assertThat(r.status()).isEqualTo(ConsentStatus.PENDING);
            assertDecision(DecisionReason.PENDING_CONFIRMATION, false, r);
        }

        @Test
        void checkWhenValidityPassedThenDeniedExpired() {
            ConsentRecord r = grant(m, ALICE, "newsletter");
            clock.advance(Period.ofMonths(13));

            assertDecision(DecisionReason.EXPIRED, false, r);
        }

        @Test
        void checkWhenWithdrawnThenGrantedAgainThenAllowed() {
            grant(m, ALICE, "newsletter");
            later(m, ConsentCommand.withdraw(ALICE, "newsletter").evidence(WEB));
            ConsentRecord again = grant(m, ALICE, "newsletter");

            assertDecision(DecisionReason.GRANTED, true, again);
        }

        @Nested
        class AfterMaterialChange {

            ConsentManager versioned;

            @BeforeEach
            void setUp() {
                versioned = manager(
                        Purpose.builder("profiling")
                                .version(1)
                                .basis(LegalBasis.CONSENT)
                                .title("Profiling v1")
                                .build(),
                        Purpose.builder("profiling")
                                .version(2)
                                .basis(LegalBasis.CONSENT)
                                .title("Profiling v2")
                                .reconsentFromVersion(2)
                                .build());
            }

            @Test
            void checkWhenGrantWasForVersionBeforeReconsentVersionThenDeniedReconsentRequired() {
                ConsentRecord v1 = later(
                        versioned,
                        ConsentCommand.grant(ALICE, "profiling").evidence(WEB).purposeVersion(1));

                ConsentDecision decision = versioned.check(ALICE, "profiling");

                assertThat(v1.purposeVersion()).isEqualTo(1);
                assertThat(decision.reason()).isEqualTo(DecisionReason.RECONSENT_REQUIRED);
                assertThat(decision.allowed()).isFalse();
                assertThat(decision.record()).contains(v1);
                assertThat(decision.purposeVersion()).isEqualTo(2);
            }

            @Test
            void checkWhenGrantedAgainForCurrentVersionThenAllowedGranted() {
                later(
                        versioned,
                        ConsentCommand.grant(ALICE, "profiling").evidence(WEB).purposeVersion(1));
                ConsentRecord v2 = later(
                        versioned, ConsentCommand.grant(ALICE, "profiling").evidence(WEB));

                ConsentDecision decision = versioned.check(ALICE, "profiling");

                assertThat(v2.purposeVersion()).isEqualTo(2);
                assertThat(decision.reason()).isEqualTo(DecisionReason.GRANTED);
                assertThat(decision.allowed()).isTrue();
                assertThat(decision.record()).contains(v2);
            }

            @Test
            void checkWhenVersionOneGrantOnPurposeWithoutMaterialChangeThenStillGranted() {
                ConsentManager minor = manager(
                        Purpose.builder("profiling")
                                .version(1)
                                .basis(LegalBasis.CONSENT)
                                .title("v1")
                                .build(),
                        Purpose.builder("profiling")
                                .version(2)
                                .basis(LegalBasis.CONSENT)
                                .title("v2")
                                .build());
                later(
                        minor,
                        ConsentCommand.grant(ALICE, "profiling").evidence(WEB).purposeVersion(1));

                assertThat(minor.check(ALICE, "profiling").reason()).isEqualTo(DecisionReason.GRANTED);
            }
        }
    }

    // ------------------------------------------------------------------ legitimate interests

    @Nested
    class Rule5LegitimateInterests {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(legitimate("analytics"), legitimate("analytics.web"));
        }

        @Test
        void checkWhenNothingRecordedThenAllowedNotObjected() {
            ConsentDecision decision = m.check(ALICE, "analytics");

            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
            assertThat(decision.basis()).isEqualTo(LegalBasis.LEGITIMATE_INTERESTS);
            assertThat(decision.record()).isEmpty();
        }

        @Test
        void checkWhenGrantedThenAllowedNotObjected() {
            ConsentRecord r = grant(m, ALICE, "analytics");

            ConsentDecision decision = m.check(ALICE, "analytics");

            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
            assertThat(decision.record()).contains(r);
        }

        static Stream<Arguments> refusals() {
            return Stream.of(
                    Arguments.of(ConsentStatus.DENIED, DecisionReason.DENIED),
                    Arguments.of(ConsentStatus.WITHDRAWN, DecisionReason.WITHDRAWN),
                    Arguments.of(ConsentStatus.OPTED_OUT, DecisionReason.OPTED_OUT));
        }

        ConsentCommand.Builder refusal(ConsentStatus status, String purpose) {
            switch (status) {
                case DENIED:
                    return ConsentCommand.deny(ALICE, purpose).evidence(WEB);
                case WITHDRAWN:
                    return ConsentCommand.withdraw(ALICE, purpose).evidence(WEB);
                case OPTED_OUT:
                    return ConsentCommand.optOut(ALICE, purpose).evidence(WEB);
                default:
                    throw new IllegalArgumentException(status.name());
            }
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @MethodSource("refusals")
        void checkWhenSubjectSaidNoThenDeniedWithThatNo(ConsentStatus status, DecisionReason expected) {
            ConsentRecord r = later(m, refusal(status, "analytics"));

            ConsentDecision decision = m.check(ALICE, "analytics");

            assertThat(decision.allowed()).isFalse();
            assertThat(decision.reason()).isEqualTo(expected);
            assertThat(decision.record()).contains(r);
        }

        @ParameterizedTest(name = "{0} on parent -> {1} on child")
        @MethodSource("refusals")
        void checkWhenSubjectSaidNoOnParentThenChildDeniedToo(ConsentStatus status, DecisionReason expected) {
            later(m, refusal(status, "analytics"));

            assertThat(m.check(ALICE, "analytics.web").reason()).isEqualTo(expected);
            assertThat(m.filterAllowed("analytics.web", List.of(ALICE, BOB))).containsExactly(SubjectId.of(BOB));
        }

        @Test
        void checkWhenObjectionLiftedByLaterGrantThenAllowedNotObjected() {
            later(m, ConsentCommand.optOut(ALICE, "analytics").evidence(WEB));
            grant(m, ALICE, "analytics");

            assertThat(m.check(ALICE, "analytics").reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
        }
    }

    // ------------------------------------------------------------------ Global Privacy Control

    @Nested
    class Rule6GlobalPrivacyControl {

        static final Evidence GPC = Evidence.of(Source.WEB, "sec-gpc-header");

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(
                    Purpose.builder("ads.sale")
                            .basis(LegalBasis.CONSENT)
                            .saleOrShare(true)
                            .build(),
                    Purpose.builder("data.share")
                            .basis(LegalBasis.LEGITIMATE_INTERESTS)
                            .saleOrShare(true)
                            .build(),
                    Purpose.builder("partners")
                            .basis(LegalBasis.CONSENT)
                            .saleOrShare(true)
                            .build(),
                    consent("analytics"),
                    legitimate("service.improvement"));
        }

        @Test
        void gpcWhenAppliedThenOptsOutOfEverySaleOrSharePurposeOnly() {
            grant(m, ALICE, "analytics");
            clock.advance(Duration.ofMinutes(1));

            List<ConsentRecord> written = m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(written)
                    .extracting(ConsentRecord::purpose)
                    .containsExactlyInAnyOrder(
                            PurposeId.of("ads.sale"), PurposeId.of("data.share"), PurposeId.of("partners"));
            assertThat(written).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(ConsentStatus.OPTED_OUT);
                assertThat(r.evidence().source()).isEqualTo(Source.GPC_SIGNAL);
                assertThat(r.subject()).isEqualTo(SubjectId.of(ALICE));
            });
            assertThat(m.check(ALICE, "ads.sale").reason()).isEqualTo(DecisionReason.OPTED_OUT);
            assertThat(m.check(ALICE, "data.share").reason()).isEqualTo(DecisionReason.OPTED_OUT);
            assertThat(m.check(ALICE, "partners").reason()).isEqualTo(DecisionReason.OPTED_OUT);
            assertThat(m.check(ALICE, "analytics").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "service.improvement").reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
        }

        @Test
        void gpcMarksConflictOnlyWhereItOverridesAnEffectiveGrant() {
            grant(m, ALICE, "ads.sale");
            later(m, ConsentCommand.deny(ALICE, "partners").evidence(WEB));
            clock.advance(Duration.ofMinutes(1));

            Map<PurposeId, Boolean> conflicts = m.applyGlobalPrivacyControl(ALICE, GPC).stream()
                    .collect(Collectors.toMap(ConsentRecord::purpose, ConsentRecord::conflict));

            assertThat(conflicts)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            PurposeId.of("ads.sale"), true,
                            PurposeId.of("data.share"), false,
                            PurposeId.of("partners"), false));
        }

        @Test
        void gpcWhenRepeatedThenWritesNothing() {
            m.applyGlobalPrivacyControl(ALICE, GPC);
            long before = consentRecords(m, ALICE);
            clock.advance(Duration.ofMinutes(1));

            List<ConsentRecord> second = m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(before).isEqualTo(3);
            assertThat(second).isEmpty();
            assertThat(consentRecords(m, ALICE)).isEqualTo(before);
        }

        @Test
        void gpcWhenSubjectAlreadyOptedOutThenSkipsThatPurpose() {
            later(m, ConsentCommand.optOut(ALICE, "ads.sale").evidence(WEB));
            clock.advance(Duration.ofMinutes(1));

            List<ConsentRecord> written = m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(written)
                    .extracting(ConsentRecord::purpose)
                    .containsExactlyInAnyOrder(PurposeId.of("data.share"), PurposeId.of("partners"));
        }

        @Test
        void gpcWhenFollowedByExplicitGrantBySubjectThenGrantWinsAgain() {
            grant(m, ALICE, "ads.sale");
            clock.advance(Duration.ofMinutes(1));
            m.applyGlobalPrivacyControl(ALICE, GPC);
            assertThat(m.check(ALICE, "ads.sale").reason()).isEqualTo(DecisionReason.OPTED_OUT);

            ConsentRecord regrant = grant(m, ALICE, "ads.sale");

            assertThat(m.check(ALICE, "ads.sale").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "ads.sale").record()).contains(regrant);
            assertThat(m.check(ALICE, "partners").reason()).isEqualTo(DecisionReason.OPTED_OUT);
        }

        @Test
        void gpcRepeatedAfterTheSubjectsOwnRegrantLeavesThatGrantStanding() {
            m.applyGlobalPrivacyControl(ALICE, GPC);
            ConsentRecord regrant = grant(m, ALICE, "ads.sale");
            clock.advance(Duration.ofMinutes(1));

            List<ConsentRecord> again = m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(again).isEmpty();
            assertThat(m.check(ALICE, "ads.sale").record()).contains(regrant);
            assertThat(m.check(ALICE, "partners").reason()).isEqualTo(DecisionReason.OPTED_OUT);
        }

        @Test
        void gpcAfterAnAgentsRegrantOverridesItAgainAsConflict() {
            m.applyGlobalPrivacyControl(ALICE, GPC);
            later(
                    m,
                    ConsentCommand.grant(ALICE, "ads.sale")
                            .evidence(Evidence.builder()
                                    .source(Source.PHONE)
                                    .collectionPoint("call-centre")
                                    .actor(Actor.agent("agent-7"))
                                    .build()));
            clock.advance(Duration.ofMinutes(1));

            List<ConsentRecord> again = m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(again).singleElement().satisfies(r -> {
                assertThat(r.purpose()).isEqualTo(PurposeId.of("ads.sale"));
                assertThat(r.conflict()).isTrue();
            });
        }

        @Test
        void gpcForOneSubjectDoesNotTouchAnother() {
            grant(m, BOB, "ads.sale");
            clock.advance(Duration.ofMinutes(1));

            m.applyGlobalPrivacyControl(ALICE, GPC);

            assertThat(m.check(BOB, "ads.sale").reason()).isEqualTo(DecisionReason.GRANTED);
        }
    }

    // ------------------------------------------------------------------ direct-marketing objection

    @Nested
    class Rule7DirectMarketingObjection {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(
                    Purpose.builder("marketing.email")
                            .basis(LegalBasis.CONSENT)
                            .directMarketing(true)
                            .build(),
                    Purpose.builder("promo")
                            .basis(LegalBasis.LEGITIMATE_INTERESTS)
                            .directMarketing(true)
                            .build(),
                    Purpose.builder("promo.post").basis(LegalBasis.CONSENT).build(),
                    consent("research"));
        }

        static Stream<Arguments> notTheSubjectItself() {
            return Stream.of(
                    Arguments.of("agent by phone", AGENT_BY_PHONE),
                    Arguments.of(
                            "agent on the web",
                            Evidence.builder()
                                    .source(Source.WEB)
                                    .collectionPoint("crm-ui")
                                    .actor(Actor.agent("agent-7"))
                                    .build()),
                    Arguments.of(
                            "system via api",
                            Evidence.builder()
                                    .source(Source.API)
                                    .collectionPoint("rules-engine")
                                    .actor(Actor.system("rules-engine"))
                                    .build()),
                    Arguments.of("import by subject actor", Evidence.of(Source.IMPORT, "crm-import-2025")),
                    Arguments.of(
                            "import by system",
                            Evidence.builder()
                                    .source(Source.IMPORT)
                                    .collectionPoint("crm-import")
                                    .actor(Actor.system("crm-import"))
                                    .build()),
                    Arguments.of("system source", Evidence.of(Source.SYSTEM, "auto-enrol")));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("notTheSubjectItself")
        void grantAfterDirectMarketingObjectionWhenNotBySubjectThenRefusedAndNothingWritten(
                String label, Evidence evidence) {
            ConsentRecord objection =
                    later(m, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));
            long before = auditEntries(m);
            clock.advance(Duration.ofMinutes(1));

            assertThatExceptionOfType(ObjectionInForceException.class)
                    .isThrownBy(() -> m.record(ConsentCommand.grant(ALICE, "marketing.email")
                            .evidence(evidence)
                            .build()))
                    .satisfies(e -> assertThat(e.purpose()).isEqualTo(PurposeId.of("marketing.email")));
            assertThat(auditEntries(m)).isEqualTo(before);
            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.OPTED_OUT);
            assertThat(m.check(ALICE, "marketing.email").record()).contains(objection);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("notTheSubjectItself")
        void pendingGrantAfterDirectMarketingObjectionWhenNotBySubjectThenRefused(String label, Evidence evidence) {
            later(m, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));
            long before = auditEntries(m);

            assertThatExceptionOfType(ObjectionInForceException.class)
                    .isThrownBy(() -> m.record(ConsentCommand.grant(ALICE, "marketing.email")
                            .evidence(evidence)
                            .pendingConfirmation(true)
                            .build()));
            assertThat(auditEntries(m)).isEqualTo(before);
        }

        @Test
        void grantAfterDirectMarketingObjectionWhenBySubjectViaWebThenLifted() {
            later(m, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));

            ConsentRecord lifted = grant(m, ALICE, "marketing.email");

            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(ALICE, "marketing.email").record()).contains(lifted);
        }

        @Test
        void grantByAgentAfterObjectionLiftedBySubjectThenAccepted() {
            later(m, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));
            grant(m, ALICE, "marketing.email");
            later(m, ConsentCommand.withdraw(ALICE, "marketing.email").evidence(WEB));

            // the effective record is a withdrawal, not an objection: an agent may record a new grant
            assertThatCode(() -> later(
                            m, ConsentCommand.grant(ALICE, "marketing.email").evidence(AGENT_BY_PHONE)))
                    .doesNotThrowAnyException();
            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void grantByAgentOnChildWhenDirectMarketingParentObjectedThenRefused() {
            later(m, ConsentCommand.optOut(ALICE, "promo").evidence(WEB));
            long before = auditEntries(m);

            assertThatExceptionOfType(ObjectionInForceException.class)
                    .isThrownBy(() -> m.record(ConsentCommand.grant(ALICE, "promo.post")
                            .evidence(AGENT_BY_PHONE)
                            .build()));
            assertThat(auditEntries(m)).isEqualTo(before);
            assertThat(m.check(ALICE, "promo.post").reason()).isEqualTo(DecisionReason.OPTED_OUT);
        }

        @Test
        void grantByAgentOnParentWhenDirectMarketingChildObjectedThenRefused() {
            ConsentManager withParent = manager(
                    consent("marketing"),
                    Purpose.builder("marketing.email")
                            .basis(LegalBasis.CONSENT)
                            .directMarketing(true)
                            .build());
            later(withParent, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));
            long before = auditEntries(withParent);

            // the parent grant would cover the child and so lift its objection through the hierarchy
            assertThatExceptionOfType(ObjectionInForceException.class)
                    .isThrownBy(() -> withParent.record(ConsentCommand.grant(ALICE, "marketing")
                            .evidence(AGENT_BY_PHONE)
                            .build()));
            assertThat(auditEntries(withParent)).isEqualTo(before);
            assertThat(withParent.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.OPTED_OUT);

            later(withParent, ConsentCommand.grant(ALICE, "marketing").evidence(WEB));
            assertThat(withParent.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void grantByAgentWhenObjectionOnNonDirectMarketingPurposeThenLifted() {
            later(m, ConsentCommand.optOut(ALICE, "research").evidence(WEB));

            ConsentRecord r = later(m, ConsentCommand.grant(ALICE, "research").evidence(AGENT_BY_PHONE));

            assertThat(r.evidence().actor()).isEqualTo(Actor.agent("agent-7"));
            assertThat(m.check(ALICE, "research").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void grantByAgentWithoutAnyObjectionThenAccepted() {
            later(m, ConsentCommand.grant(ALICE, "marketing.email").evidence(AGENT_BY_PHONE));

            assertThat(m.check(ALICE, "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void recordAllWhenOneGrantRefusedByObjectionThenNothingWritten() {
            later(m, ConsentCommand.optOut(ALICE, "marketing.email").evidence(WEB));
            long before = auditEntries(m);
            clock.advance(Duration.ofMinutes(1));

            assertThatExceptionOfType(ObjectionInForceException.class)
                    .isThrownBy(() -> m.recordAll(List.of(
                            ConsentCommand.grant(BOB, "research").evidence(WEB).build(),
                            ConsentCommand.grant(ALICE, "marketing.email")
                                    .evidence(AGENT_BY_PHONE)
                                    .build())));
            assertThat(auditEntries(m)).isEqualTo(before);
            assertThat(m.check(BOB, "research").reason()).isEqualTo(DecisionReason.NO_RECORD);
        }
    }

    // ------------------------------------------------------------------ erased subject

    @Nested
    class Rule8ErasedSubject {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = erasableManager(
                    consent("newsletter"),
                    legitimate("analytics"),
                    Purpose.builder("billing").basis(LegalBasis.CONTRACT).build(),
                    Purpose.builder("tax").basis(LegalBasis.LEGAL_OBLIGATION).build(),
                    Purpose.builder("emergency")
                            .basis(LegalBasis.VITAL_INTERESTS)
                            .build(),
                    Purpose.builder("census").basis(LegalBasis.PUBLIC_TASK).build());
            grant(m, ALICE, "newsletter");
            grant(m, ALICE, "analytics");
            grant(m, BOB, "newsletter");
            clock.advance(Duration.ofMinutes(1));
            assertThat(m.erase(ALICE, "Art. 17 request #4711")).isPresent();
        }

        static Stream<Arguments> everyPurpose() {
            return Stream.of("newsletter", "analytics", "billing", "tax", "emergency", "census")
                    .map(Arguments::of);
        }

        @ParameterizedTest
        @MethodSource("everyPurpose")
        void checkWhenSubjectErasedThenDeniedErasedForEveryBasis(String purpose) {
            ConsentDecision decision = m.check(ALICE, purpose);

            assertThat(decision.reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(decision.allowed()).isFalse();
            assertThat(decision.record()).isEmpty();
        }

        @ParameterizedTest
        @MethodSource("everyPurpose")
        void checkAtWhenSubjectErasedThenDeniedErasedEvenForTheTimeBeforeErasure(String purpose) {
            assertThat(m.checkAt(ALICE, purpose, START.plus(Duration.ofMinutes(3)))
                            .reason())
                    .isEqualTo(DecisionReason.ERASED);
        }

        @ParameterizedTest
        @MethodSource("everyPurpose")
        void requireWhenSubjectErasedThenConsentDeniedWithErased(String purpose) {
            assertThatExceptionOfType(ConsentDeniedException.class)
                    .isThrownBy(() -> m.require(ALICE, purpose))
                    .satisfies(e -> assertThat(e.decision().reason()).isEqualTo(DecisionReason.ERASED));
        }

        @Test
        void stateOfWhenSubjectErasedThenEveryPurposeErased() {
            SubjectConsents state = m.stateOf(ALICE);

            assertThat(state.decisions()).hasSize(6);
            assertThat(state.decisions().values())
                    .extracting(ConsentDecision::reason)
                    .containsOnly(DecisionReason.ERASED);
        }

        @ParameterizedTest
        @MethodSource("everyPurpose")
        void filterAllowedWhenSubjectErasedThenExcludesIt(String purpose) {
            later(m, ConsentCommand.grant(BOB, "analytics").evidence(WEB));

            assertThat(m.filterAllowed(purpose, List.of(ALICE, BOB))).containsExactly(SubjectId.of(BOB));
        }

        @Test
        void recordWhenSubjectErasedThenSubjectErasedExceptionAndNothingWritten() {
            long before = auditEntries(m);

            assertThatExceptionOfType(SubjectErasedException.class)
                    .isThrownBy(() ->
                            later(m, ConsentCommand.grant(ALICE, "newsletter").evidence(WEB)));
            assertThatExceptionOfType(SubjectErasedException.class)
                    .isThrownBy(() ->
                            later(m, ConsentCommand.withdraw(ALICE, "analytics").evidence(WEB)));
            assertThat(auditEntries(m)).isEqualTo(before);
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.ERASED);
        }

        @Test
        void gpcWhenSubjectErasedThenWritesNothing() {
            long before = auditEntries(m);

            assertThat(m.applyGlobalPrivacyControl(ALICE, WEB)).isEmpty();
            assertThat(auditEntries(m)).isEqualTo(before);
        }

        @Test
        void checkWhenOtherSubjectErasedThenUnaffected() {
            assertThat(m.check(BOB, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(m.check(BOB, "billing").reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
            assertThat(m.check("carol", "analytics").reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
        }
    }

    // ------------------------------------------------------------------ require and the decision's contents

    @Nested
    class RequireAndDecisionContents {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(
                    Purpose.builder("newsletter")
                            .version(1)
                            .basis(LegalBasis.CONSENT)
                            .title("News v1")
                            .build(),
                    Purpose.builder("newsletter")
                            .version(2)
                            .basis(LegalBasis.CONSENT)
                            .title("News v2")
                            .build(),
                    Purpose.builder("billing")
                            .version(3)
                            .basis(LegalBasis.CONTRACT)
                            .build());
        }

        @Test
        void requireWhenAllowedThenReturnsTheDecision() {
            ConsentRecord r = grant(m, ALICE, "newsletter");

            ConsentDecision decision = m.require(ALICE, "newsletter");

            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(decision.record()).contains(r);
            assertThat(decision).isEqualTo(m.check(ALICE, "newsletter"));
        }

        @Test
        void requireWhenWithdrawnThenConsentDeniedCarryingTheDecision() {
            grant(m, ALICE, "newsletter");
            ConsentRecord withdrawal =
                    later(m, ConsentCommand.withdraw(ALICE, "newsletter").evidence(WEB));

            assertThatExceptionOfType(ConsentDeniedException.class)
                    .isThrownBy(() -> m.require(ALICE, "newsletter"))
                    .satisfies(e -> {
                        assertThat(e.decision().allowed()).isFalse();
                        assertThat(e.decision().reason()).isEqualTo(DecisionReason.WITHDRAWN);
                        assertThat(e.decision().record()).contains(withdrawal);
                        assertThat(e.decision().purpose()).isEqualTo(PurposeId.of("newsletter"));
                        assertThat(e.getMessage()).contains("newsletter").contains("WITHDRAWN");
                        assertThat(e.getMessage()).doesNotContain(ALICE);
                    });
        }

        @Test
        void requireWhenNoRecordThenConsentDeniedWithNoRecord() {
            assertThatExceptionOfType(ConsentDeniedException.class)
                    .isThrownBy(() -> m.require(ALICE, "newsletter"))
                    .satisfies(e -> {
                        assertThat(e.decision().reason()).isEqualTo(DecisionReason.NO_RECORD);
                        assertThat(e.decision().record()).isEmpty();
                    });
        }

        @Test
        void decisionCarriesDecidingRecordCurrentVersionBasisAndInstant() {
            ConsentRecord v1 = later(
                    m, ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).purposeVersion(1));

            ConsentDecision decision = m.check(ALICE, "newsletter");

            assertThat(decision.record()).contains(v1);
            assertThat(decision.record().orElseThrow().id()).isEqualTo(v1.id());
            assertThat(decision.record().orElseThrow().purposeVersion()).isEqualTo(1);
            assertThat(decision.purposeVersion()).isEqualTo(2);
            assertThat(decision.basis()).isEqualTo(LegalBasis.CONSENT);
            assertThat(decision.purpose()).isEqualTo(PurposeId.of("newsletter"));
            assertThat(decision.at()).isEqualTo(clock.instant());
        }

        @Test
        void decisionOnLegalBasisCarriesCurrentVersionAndBasisButNoRecord() {
            later(m, ConsentCommand.optOut(ALICE, "billing").evidence(WEB));

            ConsentDecision decision = m.check(ALICE, "billing");

            assertThat(decision.purposeVersion()).isEqualTo(3);
            assertThat(decision.basis()).isEqualTo(LegalBasis.CONTRACT);
            assertThat(decision.record()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ stateOf and filterAllowed

    @Nested
    class StateOfAndFilterAllowed {

        ConsentManager m;

        @BeforeEach
        void setUp() {
            m = manager(
                    consent("marketing"),
                    consent("marketing.email"),
                    legitimate("analytics"),
                    Purpose.builder("billing").basis(LegalBasis.CONTRACT).build(),
                    consent("research"));
        }

        @Test
        void stateOfReturnsTheSameDecisionAsCheckForEveryDeclaredPurpose() {
            grant(m, ALICE, "marketing");
            later(m, ConsentCommand.withdraw(ALICE, "marketing.email").evidence(WEB));
            later(m, ConsentCommand.optOut(ALICE, "analytics").evidence(WEB));

            SubjectConsents state = m.stateOf(ALICE);

            assertThat(state.subject()).isEqualTo(SubjectId.of(ALICE));
            assertThat(state.at()).isEqualTo(clock.instant());
            assertThat(state.decisions()).hasSize(5);
            Map<String, DecisionReason> reasons = state.decisions().entrySet().stream()
                    .collect(Collectors.toMap(
                            e -> e.getKey().value(), e -> e.getValue().reason()));
            assertThat(reasons)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "marketing", DecisionReason.GRANTED,
                            "marketing.email", DecisionReason.WITHDRAWN,
                            "analytics", DecisionReason.OPTED_OUT,
                            "billing", DecisionReason.LEGAL_BASIS,
                            "research", DecisionReason.NO_RECORD));
            state.decisions()
                    .forEach((purpose, decision) ->
                            assertThat(decision).isEqualTo(m.check(SubjectId.of(ALICE), purpose)));
        }

        @Test
        void stateOfUnknownSubjectStillDecidesEveryDeclaredPurpose() {
            SubjectConsents state = m.stateOf("never-seen");

            assertThat(state.decisions()).hasSize(5);
            assertThat(state.allowed("analytics")).isTrue();
            assertThat(state.allowed("billing")).isTrue();
            assertThat(state.allowed("marketing")).isFalse();
        }

        @Test
        void filterAllowedReturnsExactlyTheAllowedSubsetInCandidateOrder() {
            grant(m, "s3", "marketing"); // covers marketing.email
            grant(m, "s1", "marketing.email");
            grant(m, "s5", "marketing.email");
            later(m, ConsentCommand.withdraw("s5", "marketing.email").evidence(WEB));
            later(m, ConsentCommand.grant("s4", "marketing.email").evidence(WEB).pendingConfirmation(true));
            grant(m, "s6", "marketing");
            later(m, ConsentCommand.withdraw("s6", "marketing.email").evidence(WEB));
            grant(m, "s7", "research"); // another purpose does not count

            List<String> candidates = List.of("s7", "s6", "s5", "s4", "s3", "s2", "s1");
            Set<SubjectId> allowed = m.filterAllowed("marketing.email", candidates);

            assertThat(allowed).containsExactly(SubjectId.of("s3"), SubjectId.of("s1"));
            for (String c : candidates) {
                assertThat(allowed.contains(SubjectId.of(c)))
                        .as(c)
                        .isEqualTo(m.check(c, "marketing.email").allowed());
            }
        }

        @Test
        void filterAllowedForLegitimateInterestsKeepsEveryoneWhoDidNotObject() {
            later(m, ConsentCommand.optOut("s2", "analytics").evidence(WEB));
            grant(m, "s3", "analytics");

            assertThat(m.filterAllowed("analytics", List.of("s4", "s3", "s2", "s1")))
                    .containsExactly(SubjectId.of("s4"), SubjectId.of("s3"), SubjectId.of("s1"));
        }

        @Test
        void filterAllowedWithNoCandidatesReturnsEmpty() {
            assertThat(m.filterAllowed("analytics", List.of())).isEmpty();
        }

        @Test
        void filterAllowedWhenCandidateInvalidThenInvalidRequestNamingIt() {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> m.filterAllowed("analytics", Arrays.asList("s1", " ", "s3")))
                    .satisfies(e -> assertThat(e.fields()).containsExactly("candidates[1]"));
        }
    }

    // ------------------------------------------------------------------ tenants

    @Nested
    class Tenants {

        final InMemoryConsentStore store = new InMemoryConsentStore();
        ConsentManager brandA;
        ConsentManager brandB;

        @BeforeEach
        void setUp() {
            brandA = ConsentManager.builder()
                    .purposes(consent("newsletter"))
                    .store(store)
                    .clock(clock)
                    .tenant("brand-a")
                    .build();
            brandB = ConsentManager.builder()
                    .purposes(consent("newsletter"))
                    .store(store)
                    .clock(clock)
                    .tenant("brand-b")
                    .build();
        }

        @Test
        void checkWhenGrantedInOtherTenantThenNoRecord() {
            ConsentRecord r = grant(brandA, ALICE, "newsletter");

            assertThat(r.tenant()).isEqualTo("brand-a");
            assertThat(brandA.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(brandB.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.NO_RECORD);
            assertThat(brandB.filterAllowed("newsletter", List.of(ALICE))).isEmpty();
            assertThat(consentRecords(brandB, ALICE)).isZero();
            assertThat(consentRecords(brandA, ALICE)).isEqualTo(1);
        }

        @Test
        void sameSubjectKeepsSeparateStatementsPerTenant() {
            grant(brandA, ALICE, "newsletter");
            later(brandB, ConsentCommand.deny(ALICE, "newsletter").evidence(WEB));
            later(brandA, ConsentCommand.withdraw(ALICE, "newsletter").evidence(WEB));
            grant(brandB, ALICE, "newsletter");

            assertThat(brandA.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(brandB.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(store.size()).isEqualTo(4);
        }

        @Test
        void idempotencyKeysAreScopedByTenant() {
            ConsentRecord a = later(
                    brandA,
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).idempotencyKey("k-1"));
            ConsentRecord b = later(
                    brandB,
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).idempotencyKey("k-1"));

            assertThat(b.id()).isNotEqualTo(a.id());
            assertThat(b.tenant()).isEqualTo("brand-b");
            assertThat(brandB.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void confirmWhenTokenIssuedByOtherTenantThenInvalidConfirmation() {
            ConsentRecord pending = later(
                    brandA,
                    ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).pendingConfirmation(true));

            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> brandB.confirm(pending.id().toString()));
            assertThat(brandA.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.PENDING_CONFIRMATION);
        }
    }

    // ------------------------------------------------------------------ purpose texts

    @Nested
    class PurposeTexts {

        final Purpose purpose = Purpose.builder("newsletter")
                .basis(LegalBasis.CONSENT)
                .title("Newsletter")
                .description("Our monthly newsletter")
                .text(Locale.GERMAN, "Rundbrief", "Unser monatlicher Rundbrief")
                .text(Locale.forLanguageTag("fr-CA"), "Infolettre", "Notre infolettre mensuelle")
                .build();

        @Test
        void titleWhenExactLocaleGivenThenThatText() {
            assertThat(purpose.title(Locale.GERMAN)).isEqualTo("Rundbrief");
            assertThat(purpose.description(Locale.GERMAN)).isEqualTo("Unser monatlicher Rundbrief");
            assertThat(purpose.title(Locale.CANADA_FRENCH)).isEqualTo("Infolettre");
        }

        @Test
        void titleWhenOnlyLanguageGivenThenFallsBackToLanguage() {
            assertThat(purpose.title(Locale.GERMANY)).isEqualTo("Rundbrief");
            assertThat(purpose.description(Locale.forLanguageTag("de-AT"))).isEqualTo("Unser monatlicher Rundbrief");
        }

        @Test
        void titleWhenLocaleUnknownThenFallsBackToDefault() {
            // fr-CA is declared, but plain French is not: no fallback from language to a regional variant
            assertThat(purpose.title(Locale.FRENCH)).isEqualTo("Newsletter");
            assertThat(purpose.description(Locale.FRENCH)).isEqualTo("Our monthly newsletter");
            assertThat(purpose.title(Locale.JAPANESE)).isEqualTo("Newsletter");
        }

        @Test
        void managerKeepsTheLocalisedTextsOfEveryVersion() {
            ConsentManager m = manager(
                    purpose,
                    Purpose.builder("newsletter")
                            .version(2)
                            .basis(LegalBasis.CONSENT)
                            .title("Weekly newsletter")
                            .text(Locale.GERMAN, "Wöchentlicher Rundbrief", "")
                            .build());

            assertThat(m.purposes()
                            .version(PurposeId.of("newsletter"), 1)
                            .orElseThrow()
                            .title(Locale.GERMANY))
                    .isEqualTo("Rundbrief");
            assertThat(m.purposes().require(PurposeId.of("newsletter")).title(Locale.GERMANY))
                    .isEqualTo("Wöchentlicher Rundbrief");
        }
    }

    // ------------------------------------------------------------------ double opt-in

    @Nested
    class DoubleOptIn {

        ConsentManager m;
        ConsentRecord pending;

        @BeforeEach
        void setUp() {
            m = manager(
                    Purpose.builder("newsletter")
                            .basis(LegalBasis.CONSENT)
                            .validFor(Period.ofMonths(13))
                            .build(),
                    consent("newsletter.weekly"));
            pending = later(
                    m, ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).pendingConfirmation(true));
        }

        @Test
        void grantWithPendingConfirmationThenPendingAndDenied() {
            assertThat(pending.status()).isEqualTo(ConsentStatus.PENDING);
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.PENDING_CONFIRMATION);
            assertThat(m.check(ALICE, "newsletter.weekly").reason()).isEqualTo(DecisionReason.PENDING_CONFIRMATION);
        }

        @Test
        void confirmWhenTokenValidThenGrantedWithProofReference() {
            String token = pending.id().toString();
            Instant confirmedAt = clock.advance(Duration.ofHours(2));

            ConsentRecord granted = m.confirm(token);

            assertThat(granted.status()).isEqualTo(ConsentStatus.GRANTED);
            assertThat(granted.id()).isNotEqualTo(pending.id());
            assertThat(granted.purpose()).isEqualTo(PurposeId.of("newsletter"));
            assertThat(granted.subject()).isEqualTo(SubjectId.of(ALICE));
            assertThat(granted.evidence().proofReference()).contains(token);
            assertThat(granted.evidence().actor().isSubject()).isTrue();
            assertThat(granted.recordedAt()).isEqualTo(confirmedAt);
            assertThat(granted.expiresAt()).contains(Instant.parse("2026-04-10T11:01:00Z"));
            ConsentDecision decision = m.check(ALICE, "newsletter");
            assertThat(decision.reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(decision.record()).contains(granted);
            assertThat(consentRecords(m, ALICE)).isEqualTo(2);
        }

        @Test
        void confirmWhenConfirmedTwiceThenInvalidConfirmationAndNothingWritten() {
            m.confirm(pending.id().toString());
            long before = auditEntries(m);

            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> m.confirm(pending.id().toString()));
            assertThat(auditEntries(m)).isEqualTo(before);
        }

        @ParameterizedTest
        @ValueSource(strings = {"not-a-token", "", "1234", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"})
        void confirmWhenTokenMalformedThenInvalidConfirmation(String token) {
            assertThatExceptionOfType(InvalidConfirmationException.class).isThrownBy(() -> m.confirm(token));
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.PENDING_CONFIRMATION);
        }

        @Test
        void confirmWhenTokenUnknownThenInvalidConfirmation() {
            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> m.confirm(UUID.randomUUID().toString()));
        }

        @Test
        void confirmWhenTokenIsIdOfAGrantedRecordThenInvalidConfirmation() {
            ConsentRecord grantedDirectly = grant(m, BOB, "newsletter");

            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> m.confirm(grantedDirectly.id().toString()));
        }

        @Test
        void confirmWhenWithdrawnAfterPendingGrantThenInvalidConfirmation() {
            later(m, ConsentCommand.withdraw(ALICE, "newsletter").evidence(WEB));
            long before = auditEntries(m);
            clock.advance(Duration.ofMinutes(1));

            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> m.confirm(pending.id().toString()));
            assertThat(auditEntries(m)).isEqualTo(before);
            assertThat(m.check(ALICE, "newsletter").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        @Test
        void confirmWhenNewerPendingGrantExistsThenOldTokenInvalidNewTokenValid() {
            ConsentRecord newer = later(
                    m, ConsentCommand.grant(ALICE, "newsletter").evidence(WEB).pendingConfirmation(true));

            assertThatExceptionOfType(InvalidConfirmationException.class)
                    .isThrownBy(() -> m.confirm(pending.id().toString()));
            assertThat(m.confirm(newer.id().toString()).status()).isEqualTo(ConsentStatus.GRANTED);
        }

        @Test
        void confirmedGrantTruncatesTheClockToMicroseconds() {
            clock.set(clock.instant().plusNanos(123_456_789));

            ConsentRecord granted = m.confirm(pending.id().toString());

            assertThat(granted.recordedAt()).isEqualTo(clock.instant().truncatedTo(ChronoUnit.MICROS));
            assertThat(granted.recordedAt().getNano() % 1_000).isZero();
        }
    }
}
