package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.PurposeRegistry;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;
import java.time.Instant;
import java.time.Period;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The deciding rules as pure functions: records are built here, no store and no manager are involved. */
class DecidingRulesTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    static final SubjectId ALICE = SubjectId.of("alice");

    static final Purpose MARKETING = Purpose.builder("marketing")
            .basis(LegalBasis.CONSENT)
            .directMarketing(true)
            .build();
    static final Purpose EMAIL_V1 = Purpose.builder("marketing.email")
            .version(1)
            .basis(LegalBasis.CONSENT)
            .build();
    static final Purpose EMAIL = Purpose.builder("marketing.email")
            .version(2)
            .basis(LegalBasis.CONSENT)
            .validFor(Period.ofMonths(12))
            .reconsentFromVersion(2)
            .build();
    static final Purpose PROFILING =
            Purpose.builder("profiling").basis(LegalBasis.LEGITIMATE_INTERESTS).build();
    static final Purpose BILLING =
            Purpose.builder("billing").basis(LegalBasis.CONTRACT).build();
    static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.CONSENT)
            .saleOrShare(true)
            .build();

    final PurposeIndex index =
            new PurposeIndex(PurposeRegistry.of(List.of(MARKETING, EMAIL_V1, EMAIL, PROFILING, BILLING, AD_SALE)));
    final DecidingRules rules = new DecidingRules(index);
    long sequence;

    ConsentRecord statement(Purpose shown, ConsentStatus status, Instant effectiveAt, Evidence evidence) {
        ConsentRecord r = RecordDraft.statement("default", ALICE, shown, status, effectiveAt)
                .evidence(evidence)
                .build();
        return r.withLink(new ChainLink(++sequence, ChainLink.GENESIS, "h" + sequence));
    }

    ConsentRecord statement(Purpose shown, ConsentStatus status, Instant effectiveAt) {
        return statement(shown, status, effectiveAt, Evidence.of(Source.API, "api"));
    }

    static Map<PurposeId, ConsentRecord> current(ConsentRecord... records) {
        Map<PurposeId, ConsentRecord> m = new HashMap<>();
        for (ConsentRecord r : records) {
            m.put(r.purpose(), r);
        }
        return m;
    }

    @Nested
    class Effective {

        @Test
        void whenTheParentAndTheChildHaveStatementsThenTheLaterByEffectiveTimeWins() {
            ConsentRecord child = statement(EMAIL, ConsentStatus.GRANTED, NOW.minusSeconds(60));
            ConsentRecord parent = statement(MARKETING, ConsentStatus.WITHDRAWN, NOW.minusSeconds(30));

            assertThat(rules.inForce(current(child, parent), EMAIL.id())).isSameAs(parent);
            assertThat(DecidingRules.effectiveAmong(List.of(child, parent), NOW.minusSeconds(40)))
                    .isSameAs(child);
            assertThat(rules.inForce(current(child, parent), MARKETING.id())).isSameAs(parent);
        }

        @Test
        void whenBothTookEffectAtTheSameInstantThenTheLaterInTheChainWins() {
            ConsentRecord first = statement(MARKETING, ConsentStatus.GRANTED, NOW);
            ConsentRecord second = statement(EMAIL, ConsentStatus.DENIED, NOW);

            assertThat(rules.inForce(current(first, second), EMAIL.id())).isSameAs(second);
            assertThat(DecidingRules.effectiveAmong(List.of(second, first), NOW))
                    .isSameAs(second);
        }

        @Test
        void whenAStatementTakesEffectLaterThenItIsNotYetEffective() {
            ConsentRecord future = statement(EMAIL, ConsentStatus.GRANTED, NOW.plusSeconds(1));

            assertThat(DecidingRules.effectiveAmong(List.of(future), NOW)).isNull();
        }

        @Test
        void whenAChildHasAStatementThenItDoesNotCoverTheParent() {
            ConsentRecord child = statement(EMAIL, ConsentStatus.GRANTED, NOW);

            assertThat(rules.inForce(current(child), MARKETING.id())).isNull();
        }
    }

    @Nested
    class Decide {

        @Test
        void whenErasedThenErasedOnEveryBasis() {
            for (Purpose p : List.of(EMAIL, PROFILING, BILLING)) {
                assertThat(rules.decide(p, null, true, NOW).reason()).isEqualTo(DecisionReason.ERASED);
            }
        }

        @Test
        void whenTheBasisIsIndependentOfChoiceThenAllowedWhateverWasSaid() {
            ConsentRecord no = statement(BILLING, ConsentStatus.OPTED_OUT, NOW);

            assertThat(rules.decide(BILLING, no, false, NOW).reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
            assertThat(rules.decide(BILLING, no, false, NOW).record()).isEmpty();
        }

        @Test
        void whenLegitimateInterestsThenAllowedUnlessTheStatementIsARefusal() {
            assertThat(rules.decide(PROFILING, null, false, NOW).reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
            ConsentRecord objection = statement(PROFILING, ConsentStatus.OPTED_OUT, NOW);
            assertThat(rules.decide(PROFILING, objection, false, NOW).reason()).isEqualTo(DecisionReason.OPTED_OUT);
            ConsentRecord pending = statement(PROFILING, ConsentStatus.PENDING, NOW);
            assertThat(rules.decide(PROFILING, pending, false, NOW).allowed()).isTrue();
        }

        @Test
        void whenConsentWithoutStatementThenNoRecord() {
            assertThat(rules.decide(EMAIL, null, false, NOW).reason()).isEqualTo(DecisionReason.NO_RECORD);
        }

        @Test
        void whenConsentGrantedOnTheCurrentVersionThenGrantedUntilItLapses() {
            ConsentRecord grant = statement(EMAIL, ConsentStatus.GRANTED, NOW);

            assertThat(grant.expiresAt()).hasValue(Instant.parse("2027-03-01T10:00:00Z"));
            assertThat(rules.decide(EMAIL, grant, false, NOW).reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(rules.decide(EMAIL, grant, false, NOW).record()).containsSame(grant);
            assertThat(rules.decide(EMAIL, grant, false, grant.expiresAt().orElseThrow())
                            .reason())
                    .isEqualTo(DecisionReason.EXPIRED);
        }

        @Test
        void whenConsentGrantedOnAVersionBelowTheReconsentVersionThenReconsentRequired() {
            ConsentRecord old = statement(EMAIL_V1, ConsentStatus.GRANTED, NOW);

            assertThat(rules.decide(EMAIL, old, false, NOW).reason()).isEqualTo(DecisionReason.RECONSENT_REQUIRED);
        }

        @Test
        void whenConsentPendingThenPendingConfirmation() {
            ConsentRecord pending = statement(EMAIL, ConsentStatus.PENDING, NOW);

            assertThat(rules.decide(EMAIL, pending, false, NOW).reason())
                    .isEqualTo(DecisionReason.PENDING_CONFIRMATION);
        }

        @Test
        void theDecisionNamesThePurposeVersionAndBasisItWasMadeWith() {
            var decision = rules.decide(EMAIL, null, false, NOW);

            assertThat(decision.purpose()).isEqualTo(EMAIL.id());
            assertThat(decision.purposeVersion()).isEqualTo(2);
            assertThat(decision.basis()).isEqualTo(LegalBasis.CONSENT);
            assertThat(decision.at()).isEqualTo(NOW);
        }
    }

    @Nested
    class RefusalReason {

        @Test
        void eachRefusalHasItsReason() {
            assertThat(DecidingRules.refusalReason(ConsentStatus.DENIED)).isEqualTo(DecisionReason.DENIED);
            assertThat(DecidingRules.refusalReason(ConsentStatus.WITHDRAWN)).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(DecidingRules.refusalReason(ConsentStatus.OPTED_OUT)).isEqualTo(DecisionReason.OPTED_OUT);
        }

        @ParameterizedTest
        @EnumSource(
                value = ConsentStatus.class,
                names = {"GRANTED", "PENDING"})
        void aStatusThatIsNoRefusalIsRejected(ConsentStatus status) {
            assertThatThrownBy(() -> DecidingRules.refusalReason(status)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class DirectMarketingObjection {

        final Evidence byAgent = Evidence.builder()
                .source(Source.PHONE)
                .collectionPoint("call-centre")
                .actor(Actor.agent("agent-7"))
                .build();
        final Evidence bySubjectOnTheWeb = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("form")
                .actor(Actor.subject())
                .build();

        @Test
        void whenACoveredDirectMarketingPurposeIsOptedOutThenAGrantNotFromTheSubjectIsRefused() {
            ConsentRecord objection = statement(MARKETING, ConsentStatus.OPTED_OUT, NOW);

            assertThat(rules.objectionInForce(current(objection), MARKETING, byAgent))
                    .isTrue();
            // the objection on the direct-marketing parent covers the child too
            assertThat(rules.objectionInForce(current(objection), EMAIL, byAgent))
                    .isTrue();
        }

        @Test
        void whenTheSubjectGrantsThroughItsOwnChannelThenTheObjectionIsLifted() {
            ConsentRecord objection = statement(MARKETING, ConsentStatus.OPTED_OUT, NOW);

            assertThat(rules.objectionInForce(current(objection), EMAIL, bySubjectOnTheWeb))
                    .isFalse();
        }

        @Test
        void whenThePurposeIsNotDirectMarketingOrNotOptedOutThenNoObjection() {
            ConsentRecord withdrawn = statement(MARKETING, ConsentStatus.WITHDRAWN, NOW);
            ConsentRecord saleOptOut = statement(AD_SALE, ConsentStatus.OPTED_OUT, NOW);

            assertThat(rules.objectionInForce(current(withdrawn), EMAIL, byAgent))
                    .isFalse();
            assertThat(rules.objectionInForce(current(saleOptOut), AD_SALE, byAgent))
                    .isFalse();
            assertThat(rules.objectionInForce(Map.of(), MARKETING, byAgent)).isFalse();
        }
    }

    @Nested
    class GlobalPrivacyControl {

        final Evidence bySubject = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("prefs")
                .actor(Actor.subject())
                .build();

        @Test
        void whenNothingWasSaidThenEverySaleOrSharePurposeIsOptedOutWithoutConflict() {
            assertThat(rules.signalOptOuts(Map.of(), Set.of()))
                    .containsExactly(new DecidingRules.SignalOptOut(AD_SALE, false));
        }

        @Test
        void whenAGrantIsOverriddenThenItIsAConflict() {
            ConsentRecord grant = statement(AD_SALE, ConsentStatus.GRANTED, NOW);

            assertThat(rules.signalOptOuts(current(grant), Set.of()))
                    .containsExactly(new DecidingRules.SignalOptOut(AD_SALE, true));
        }

        @Test
        void whenAlreadyOptedOutOrTheGrantWasConfirmedAfterASignalThenNothing() {
            ConsentRecord optOut = statement(AD_SALE, ConsentStatus.OPTED_OUT, NOW);
            ConsentRecord confirmed = statement(AD_SALE, ConsentStatus.GRANTED, NOW);

            assertThat(rules.signalOptOuts(current(optOut), Set.of())).isEmpty();
            assertThat(rules.signalOptOuts(current(confirmed), Set.of(confirmed.id())))
                    .isEmpty();
        }

        @Test
        void onlyTheSubjectsOwnGrantCanConfirmAfterASignalAndOnlyAnEarlierSignalOptOutCounts() {
            Evidence signal = Evidence.of(Source.GPC_SIGNAL, "gpc");
            ConsentRecord signalOptOut = statement(AD_SALE, ConsentStatus.OPTED_OUT, NOW.minusSeconds(10), signal);
            ConsentRecord ownGrant = statement(AD_SALE, ConsentStatus.GRANTED, NOW, bySubject);
            ConsentRecord laterSignal = statement(AD_SALE, ConsentStatus.OPTED_OUT, NOW, signal);
            ConsentRecord agentsGrant = statement(
                    AD_SALE,
                    ConsentStatus.GRANTED,
                    NOW,
                    Evidence.builder()
                            .source(Source.PHONE)
                            .collectionPoint("call-centre")
                            .actor(Actor.agent("agent-7"))
                            .build());

            assertThat(rules.subjectsOwnGrant(current(ownGrant), AD_SALE.id())).containsSame(ownGrant);
            assertThat(rules.subjectsOwnGrant(current(agentsGrant), AD_SALE.id()))
                    .isEmpty();
            assertThat(DecidingRules.isSignalOptOutBefore(signalOptOut, ownGrant))
                    .isTrue();
            assertThat(DecidingRules.isSignalOptOutBefore(laterSignal, ownGrant))
                    .isFalse();
            assertThat(DecidingRules.isSignalOptOutBefore(agentsGrant, ownGrant))
                    .isFalse();
        }
    }
}
