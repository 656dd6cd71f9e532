package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.CLOCK;
import static dev.consentkit.core.TestFixtures.NEWSLETTER;
import static dev.consentkit.core.TestFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.EvidencePolicy.Minimisation;
import dev.consentkit.core.VerificationReport.BrokenChain;
import java.time.Instant;
import java.time.Period;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exception policy of the package documentation: bad input to a public value constructor, static factory or
 * builder, null included, throws {@link InvalidConsentRequestException} naming the field, never NPE, IAE or ISE,
 * and the message never holds the rejected value.
 */
class ExceptionPolicyTest {

    private static final String SECRET = "alice@example.com";

    /** Asserts the type, the one field named, and that the message does not hold {@link #SECRET}. */
    static void rejected(ThrowingCallable call, String field) {
        assertThatThrownBy(call)
                .isExactlyInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining(field)
                .hasMessageNotContaining(SECRET)
                .satisfies(e -> assertThat(((InvalidConsentRequestException) e).fields())
                        .containsExactly(field));
    }

    @Nested
    class Ids {

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", "  ", "alice@example.com\n", "\u2028alice@example.com"})
        void subjectIdWhenNullBlankOrControlThenNamesSubject(String value) {
            rejected(() -> SubjectId.of(value), "subject");
            rejected(() -> new SubjectId(value), "subject");
        }

        @Test
        void subjectIdWhenOverlongThenNamesSubject() {
            rejected(() -> SubjectId.of(SECRET + "x".repeat(SubjectId.MAX_LENGTH)), "subject");
            assertThat(SubjectId.of("x".repeat(SubjectId.MAX_LENGTH)).value()).hasSize(SubjectId.MAX_LENGTH);
        }

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", " ", "Marketing", "marketing..email", ".marketing"})
        void purposeIdWhenNullBlankOrMalformedThenNamesPurpose(String value) {
            rejected(() -> PurposeId.of(value), "purpose");
        }

        @Test
        void purposeIdWhenOverlongThenNamesPurpose() {
            rejected(() -> PurposeId.of("a".repeat(PurposeId.MAX_LENGTH + 1)), "purpose");
        }
    }

    @Nested
    class Purposes {

        Purpose.Builder builder() {
            return Purpose.builder("marketing").basis(LegalBasis.CONSENT);
        }

        @Test
        void builderWhenIdIsNullThenNamesPurpose() {
            rejected(() -> Purpose.builder((String) null), "purpose");
            rejected(() -> Purpose.builder((PurposeId) null), "purpose.id");
        }

        @Test
        void settersWhenNullThenNameTheProperty() {
            rejected(() -> builder().title(null), "purpose.title");
            rejected(() -> builder().description(null), "purpose.description");
            rejected(() -> builder().basis(null), "purpose.basis");
            rejected(() -> builder().dataCategories((String[]) null), "purpose.dataCategories");
            rejected(() -> builder().dataCategories("email", null), "purpose.dataCategories");
            rejected(() -> builder().text(null, "Titel", "Text"), "purpose.text.locale");
            rejected(() -> builder().text(Locale.GERMAN, null, "Text"), "purpose.text.title");
            rejected(() -> builder().text(Locale.GERMAN, "Titel", null), "purpose.text.description");
        }

        @Test
        void buildWhenPropertyIsMissingBlankOrOutOfRangeThenNamesIt() {
            rejected(() -> Purpose.builder("marketing").build(), "purpose.basis");
            rejected(() -> builder().title("  ").build(), "purpose.title");
            rejected(() -> builder().dataCategories(" ").build(), "purpose.dataCategories");
            rejected(() -> builder().version(0).build(), "purpose.version");
            rejected(() -> builder().reconsentFromVersion(2).build(), "purpose.reconsentFromVersion");
            rejected(() -> builder().validFor(Period.ZERO).build(), "purpose.validity");
        }

        @Test
        void constructorWhenComponentIsNullOrBlankThenNamesIt() {
            rejected(() -> purpose(null, "Title", Map.of()), "purpose.id");
            rejected(() -> purpose(PurposeId.of("marketing"), " ", Map.of()), "purpose.title");
            rejected(() -> purpose(PurposeId.of("marketing"), "Title", null), "purpose.texts");
        }

        private Purpose purpose(PurposeId id, String title, Map<Locale, Purpose.Text> texts) {
            return new Purpose(
                    id, 1, title, "", LegalBasis.CONSENT, List.of(), Optional.empty(), 1, false, false, texts);
        }

        @Test
        void registryWhenPurposesAreNullOrConflictThenNamesPurposes() {
            rejected(() -> PurposeRegistry.of(null), "purposes");
            rejected(() -> PurposeRegistry.of(Arrays.asList(NEWSLETTER, null)), "purposes");
            Purpose otherV1 = Purpose.builder("marketing.email")
                    .basis(LegalBasis.LEGITIMATE_INTERESTS)
                    .build();
            rejected(() -> PurposeRegistry.of(List.of(NEWSLETTER, otherV1)), "purposes");
        }
    }

    @Nested
    class Preferences {

        @Test
        void definitionWhenKeyIsNullOrMalformedThenNamesKey() {
            rejected(() -> PreferenceDefinition.of(null, "daily"), "preferenceDefinition.key");
            rejected(() -> PreferenceDefinition.of("Newsletter Frequency", "daily"), "preferenceDefinition.key");
        }

        @Test
        void definitionWhenValuesAreNullEmptyBlankOrOverlongThenNamesAllowedValues() {
            rejected(
                    () -> PreferenceDefinition.of("newsletter.frequency", (String[]) null),
                    "preferenceDefinition.allowedValues");
            rejected(() -> PreferenceDefinition.of("newsletter.frequency"), "preferenceDefinition.allowedValues");
            rejected(
                    () -> PreferenceDefinition.of("newsletter.frequency", "daily", null),
                    "preferenceDefinition.allowedValues");
            rejected(() -> PreferenceDefinition.of("newsletter.frequency", " "), "preferenceDefinition.allowedValues");
            rejected(
                    () -> PreferenceDefinition.of("newsletter.frequency", "d".repeat(256)),
                    "preferenceDefinition.allowedValues");
            assertThat(PreferenceDefinition.of("newsletter.frequency", "d".repeat(255))
                            .allowedValues())
                    .hasSize(1);
        }

        @Test
        void definitionWhenDefaultIsNullOrNotAllowedThenNamesDefaultValue() {
            PreferenceDefinition frequency = PreferenceDefinition.of("newsletter.frequency", "daily", "weekly");
            rejected(() -> frequency.withDefault(null), "preferenceDefinition.defaultValue");
            rejected(() -> frequency.withDefault("yearly"), "preferenceDefinition.defaultValue");
            rejected(
                    () -> new PreferenceDefinition("newsletter.frequency", List.of("daily"), null),
                    "preferenceDefinition.defaultValue");
        }
    }

    @Nested
    class Evidences {

        @Test
        void builderWhenRequiredPartIsMissingOrNullThenNamesIt() {
            rejected(() -> Evidence.builder().collectionPoint("form").build(), "evidence.source");
            rejected(() -> Evidence.builder().source(Source.WEB).build(), "evidence.collectionPoint");
            rejected(() -> Evidence.builder().actor(null), "evidence.actor");
            rejected(() -> Evidence.builder().noticeText(null), "evidence.noticeText");
            rejected(() -> Evidence.of(null, "form"), "evidence.source");
        }

        @Test
        void constructorWhenPartIsNullThenNamesIt() {
            rejected(
                    () -> new Evidence(
                            Source.WEB,
                            "form",
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Actor.subject(),
                            null,
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()),
                    "evidence.ipAddress");
        }

        @Test
        void recordWhenEvidenceTextIsBlankOrOverlongThenNamesItWithoutTheValue() {
            ConsentManager manager = TestFixtures.manager().build();
            for (String collectionPoint : List.of(" ", SECRET + "x".repeat(255))) {
                Evidence evidence = Evidence.of(Source.WEB, collectionPoint);
                rejected(
                        () -> manager.record(ConsentCommand.grant("cust-1", "marketing.email")
                                .evidence(evidence)
                                .build()),
                        "evidence.collectionPoint");
            }
        }

        @Test
        void actorWhenIdIsNullBlankOrOverlongThenNamesActorId() {
            rejected(() -> Actor.agent(null), "evidence.actor.id");
            rejected(() -> Actor.system(" "), "evidence.actor.id");
            rejected(() -> Actor.agent("a".repeat(256)), "evidence.actor.id");
            rejected(() -> new Actor(Actor.Type.SUBJECT, Optional.of("agent-7")), "evidence.actor.id");
            rejected(() -> new Actor(null, Optional.empty()), "evidence.actor.type");
            rejected(() -> new Actor(Actor.Type.AGENT, null), "evidence.actor.id");
            assertThat(Actor.agent("a".repeat(255)).id()).isPresent();
        }

        @Test
        void policyWhenSetterIsNullOrKeyMissingThenNamesIt() {
            rejected(() -> EvidencePolicy.builder().ipAddress(null), "evidencePolicy.ipAddress");
            rejected(() -> EvidencePolicy.builder().userAgent(null), "evidencePolicy.userAgent");
            rejected(() -> EvidencePolicy.builder().hashKey(null), "evidencePolicy.hashKey");
            rejected(() -> EvidencePolicy.builder().ipAddress(Minimisation.HASH).build(), "evidencePolicy.hashKey");
            rejected(() -> EvidencePolicy.defaults().apply(null), "evidence");
        }
    }

    @Nested
    class Commands {

        final ConsentManager manager = TestFixtures.manager().build();

        @Test
        void builderWhenEvidenceIsNullThenNamesEvidence() {
            rejected(() -> ConsentCommand.grant("cust-1", "marketing.email").evidence(null), "evidence");
        }

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {" ", "alice@example.com\t"})
        void recordWhenSubjectIsNullBlankOrControlThenNamesSubject(String subject) {
            rejected(
                    () -> manager.record(
                            ConsentCommand.grant(subject, "marketing.email").build()),
                    "subject");
        }

        @Test
        void recordWhenIdempotencyKeyIsOverlongThenNamesIt() {
            rejected(
                    () -> manager.record(ConsentCommand.grant("cust-1", "marketing.email")
                            .idempotencyKey(SECRET + "k".repeat(255))
                            .build()),
                    "idempotencyKey");
        }
    }

    @Nested
    class Queries {

        @Test
        void builderWhenSubjectOrPurposesAreNullThenNamesThem() {
            rejected(() -> HistoryQuery.builder().subject((String) null), "subject");
            rejected(() -> HistoryQuery.builder().subject((SubjectId) null), "subject");
            rejected(() -> HistoryQuery.builder().subject(" "), "subject");
            rejected(() -> HistoryQuery.builder().purpose(null), "purpose");
            rejected(() -> HistoryQuery.builder().purposes(null), "purposes");
            rejected(() -> HistoryQuery.builder().purposes(Arrays.asList((PurposeId) null)), "purposes");
        }

        @Test
        void constructorWhenPartIsNullOrRangeIsEmptyThenNamesIt() {
            rejected(() -> new HistoryQuery(null, java.util.Set.of(), Optional.empty(), Optional.empty()), "subject");
            rejected(
                    () -> new HistoryQuery(Optional.empty(), java.util.Set.of(), null, Optional.empty()),
                    "recordedFrom");
            rejected(
                    () -> HistoryQuery.builder()
                            .recordedFrom(NOW)
                            .recordedTo(NOW)
                            .build(),
                    "recordedFrom");
        }
    }

    @Nested
    class Entries {

        final ChainLink link = new ChainLink(1, ChainLink.GENESIS, "f".repeat(64));
        final SubjectId subject = SubjectId.of(SECRET);
        final Evidence evidence = Evidence.of(Source.WEB, "form");

        @Test
        void chainLinkWhenSequenceIsNegativeOrHashIsNullThenNamesIt() {
            rejected(() -> new ChainLink(-1, ChainLink.GENESIS, ""), "chainLink.sequence");
            rejected(() -> new ChainLink(1, null, ""), "chainLink.previousHash");
            rejected(() -> new ChainLink(1, ChainLink.GENESIS, null), "chainLink.hash");
        }

        @Test
        void consentRecordWhenComponentIsNullThenNamesIt() {
            rejected(() -> consentRecord(null, link), "consentRecord.tenant");
            rejected(() -> consentRecord("default", null), "consentRecord.link");
        }

        private ConsentRecord consentRecord(String tenant, ChainLink link) {
            return new ConsentRecord(
                    UUID.randomUUID(),
                    tenant,
                    subject,
                    NEWSLETTER.id(),
                    1,
                    ConsentStatus.GRANTED,
                    NOW,
                    NOW,
                    Optional.empty(),
                    Optional.empty(),
                    evidence,
                    false,
                    "digest",
                    link);
        }

        @Test
        void preferenceAndErasureRecordsWhenComponentIsNullThenNameIt() {
            rejected(
                    () -> new PreferenceRecord(
                            UUID.randomUUID(), "default", subject, null, "weekly", NOW, evidence, "d", link),
                    "preferenceRecord.key");
            rejected(
                    () -> new ErasureRecord(UUID.randomUUID(), "default", subject, null, NOW, "d", link),
                    "erasureRecord.reason");
        }

        @Test
        void decisionWhenComponentIsNullThenNamesIt() {
            rejected(
                    () -> new ConsentDecision(
                            NEWSLETTER.id(), DecisionReason.NO_RECORD, 1, LegalBasis.CONSENT, Optional.empty(), null),
                    "consentDecision.at");
            rejected(
                    () -> new ConsentDecision(
                            NEWSLETTER.id(), null, 1, LegalBasis.CONSENT, Optional.empty(), Instant.EPOCH),
                    "consentDecision.reason");
        }

        @Test
        void verificationReportWhenChainsAreNullThenNamesThem() {
            rejected(() -> new VerificationReport(0, 0, null), "verificationReport.brokenChains");
            rejected(
                    () -> new VerificationReport(0, 0, Arrays.asList((BrokenChain) null)),
                    "verificationReport.brokenChains[0]");
            rejected(
                    () -> new BrokenChain(null, subject, Optional.empty(), 1, VerificationReport.Problem.HEAD_MISMATCH),
                    "brokenChain.tenant");
        }
    }

    @Nested
    class ManagerBuilder {

        ConsentManagerBuilder builder() {
            return ConsentManager.builder().purposes(NEWSLETTER).clock(CLOCK);
        }

        @Test
        void settersWhenNullThenNameTheSetter() {
            rejected(() -> builder().store(null), "store");
            rejected(() -> builder().clock(null), "clock");
            rejected(() -> builder().evidencePolicy(null), "evidencePolicy");
            rejected(() -> builder().listener(null), "listener");
            rejected(() -> builder().commitHook(null), "commitHook");
            rejected(() -> builder().decisionObserver(null), "decisionObserver");
            rejected(() -> builder().purposes((Purpose[]) null), "purposes");
            rejected(() -> builder().purposes(Arrays.asList(NEWSLETTER, null)), "purposes");
            rejected(() -> builder().preferences((PreferenceDefinition) null), "preferences");
            rejected(() -> builder().pseudonymKey(null), "pseudonymKey");
        }

        @Test
        void buildWhenPropertyIsMissingOrInvalidThenNamesIt() {
            rejected(() -> ConsentManager.builder().build(), "purposes");
            rejected(() -> builder().tenant(null).build(), "tenant");
            rejected(() -> builder().tenant(" ").build(), "tenant");
            rejected(() -> builder().tenant("t".repeat(200)).build(), "tenant");
            rejected(() -> builder().pseudonymKey(new byte[15]).build(), "pseudonymKey");
        }
    }
}
