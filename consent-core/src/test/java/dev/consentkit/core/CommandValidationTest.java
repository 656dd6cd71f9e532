package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input to {@link ConsentManager#record(ConsentCommand)} and {@link ConsentManager#recordAll(List)} is
 * rejected with an {@link InvalidConsentRequestException} naming every bad field, and nothing is written.
 */
class CommandValidationTest {

    static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    static final String SUBJECT = "cust-42";
    static final String PURPOSE = "marketing.email";

    InMemoryConsentStore store;
    ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        manager = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing").basis(LegalBasis.CONSENT).build(),
                        Purpose.builder(PURPOSE)
                                .version(1)
                                .basis(LegalBasis.CONSENT)
                                .title("E-mail v1")
                                .build(),
                        Purpose.builder(PURPOSE)
                                .version(2)
                                .basis(LegalBasis.CONSENT)
                                .title("E-mail v2")
                                .build(),
                        Purpose.builder("analytics")
                                .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                .build())
                .store(store)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
    }

    // ------------------------------------------------------------------ helpers

    private InvalidConsentRequestException rejected(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(InvalidConsentRequestException.class);
        return (InvalidConsentRequestException) thrown;
    }

    /** Records {@code command}, expects a rejection and checks that the store is still empty. */
    private InvalidConsentRequestException rejectedAndNothingWritten(ConsentCommand command) {
        InvalidConsentRequestException e = rejected(() -> manager.record(command));
        assertNothingWritten();
        return e;
    }

    private void assertNothingWritten() {
        assertThat(store.size()).as("entries in the store").isZero();
        try (Stream<ConsentRecord> history = manager.history(HistoryQuery.all())) {
            assertThat(history).as("history").isEmpty();
        }
    }

    private static ConsentCommand grant(String subject, String purpose) {
        return ConsentCommand.grant(subject, purpose)
                .evidence(Evidence.of(Source.WEB, "signup-form"))
                .build();
    }

    private static ConsentCommand grantWith(Evidence evidence) {
        return ConsentCommand.grant(SUBJECT, PURPOSE).evidence(evidence).build();
    }

    private static Evidence.Builder evidence() {
        return Evidence.builder().source(Source.WEB).collectionPoint("signup-form");
    }

    // ------------------------------------------------------------------ the happy path the rejections contrast with

    @Test
    void recordWhenCommandIsValidThenOneRecordIsWritten() {
        ConsentRecord r = manager.record(grant(SUBJECT, PURPOSE));

        assertThat(store.size()).isEqualTo(1);
        assertThat(r.subject().value()).isEqualTo(SUBJECT);
        assertThat(r.purpose().value()).isEqualTo(PURPOSE);
        assertThat(r.purposeVersion()).isEqualTo(2);
        assertThat(r.recordedAt()).isEqualTo(NOW);
        try (Stream<ConsentRecord> history = manager.history(HistoryQuery.all())) {
            assertThat(history).extracting(ConsentRecord::id).containsExactly(r.id());
        }
    }

    // ------------------------------------------------------------------ subject

    @Nested
    @DisplayName("subject")
    class SubjectField {

        @Test
        void recordWhenSubjectIsNullThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(null, PURPOSE));

            assertThat(e.fields()).contains("subject");
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @ValueSource(strings = {"", " ", "   ", "\t"})
        void recordWhenSubjectIsEmptyOrBlankThenRejectedAndNothingWritten(String subject) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(subject, PURPOSE));

            assertThat(e.fields()).containsExactly("subject");
        }

        @Test
        void recordWhenSubjectHas256CharactersThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant("s".repeat(256), PURPOSE));

            assertThat(e.fields()).containsExactly("subject");
            assertThat(e.getMessage()).doesNotContain("s".repeat(256));
        }

        @Test
        void recordWhenSubjectHas255CharactersThenAccepted() {
            String subject = "s".repeat(255);

            ConsentRecord r = manager.record(grant(subject, PURPOSE));

            assertThat(r.subject().value()).isEqualTo(subject);
            assertThat(store.size()).isEqualTo(1);
            assertThat(manager.check(subject, PURPOSE).allowed()).isTrue();
        }

        static Stream<String> subjectsWithControlCharacters() {
            return Stream.of(
                    "cust\n42",
                    "cust\r42",
                    "cust\u000042",
                    "cust\u007f42",
                    "cust\u008542",
                    "cust\u202842",
                    "cust\u202942",
                    "\u001bcust42");
        }

        @ParameterizedTest
        @MethodSource("subjectsWithControlCharacters")
        void recordWhenSubjectHasControlCharacterThenRejectedAndNothingWritten(String subject) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(subject, PURPOSE));

            assertThat(e.fields()).containsExactly("subject");
            assertThat(e.violations().get(0).message()).contains("control characters");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(
                strings = {
                    "o'brien\"; DROP TABLE consent;--",
                    "Zoë-🙂",
                    "Robert'); DELETE FROM consent_record; --",
                    "100% _match_ \\ * ?",
                    "<script>alert(1)</script>",
                    "名前@例え.jp"
                })
        void recordWhenSubjectHasSqlMetacharactersOrUnicodeThenRecordedAndReadBackExactly(String subject) {
            ConsentRecord r = manager.record(grant(subject, PURPOSE));

            assertThat(r.subject().value()).isEqualTo(subject);
            try (Stream<ConsentRecord> history = manager.history(HistoryQuery.forSubject(subject))) {
                assertThat(history)
                        .singleElement()
                        .satisfies(
                                stored -> assertThat(stored.subject().value()).isEqualTo(subject));
            }
            assertThat(manager.check(subject, PURPOSE).allowed()).isTrue();
            // the id is opaque: a near-identical id is another subject
            assertThat(manager.check(subject + "x", PURPOSE).allowed()).isFalse();
            assertThat(manager.verify(subject).intact()).isTrue();
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @MethodSource("dev.consentkit.core.CommandValidationTest#secretSubjectsThatAreInvalid")
        void recordWhenSubjectIsInvalidThenMessageDoesNotRevealIt(String subject) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(subject, PURPOSE));

            assertThat(e.fields()).contains("subject");
            assertThat(e.getMessage()).doesNotContain("secret-cust-4711");
            assertThat(e.violations()).allSatisfy(v -> assertThat(v.message()).doesNotContain("secret-cust-4711"));
        }

        @Test
        void recordWhenOtherFieldsAreInvalidThenMessageDoesNotRevealTheSubject() {
            String subject = "o'brien-secret-cust-4711";
            ConsentCommand command = ConsentCommand.grant(subject, "Marketing")
                    .evidence(evidence()
                            .ipAddress("not-an-ip")
                            .comment("x".repeat(2001))
                            .build())
                    .idempotencyKey(" ")
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).isNotEmpty().doesNotContain("subject");
            assertThat(e.getMessage()).doesNotContain(subject).doesNotContain("secret-cust-4711");
            assertThat(e.toString()).doesNotContain("secret-cust-4711");
        }
    }

    static Stream<String> secretSubjectsThatAreInvalid() {
        return Stream.of(
                "secret-cust-4711\n",
                "secret-cust-4711\u0000",
                "secret-cust-4711" + "x".repeat(300),
                "secret-cust-4711\u2028");
    }

    // ------------------------------------------------------------------ purpose

    @Nested
    @DisplayName("purpose")
    class PurposeField {

        @Test
        void recordWhenPurposeIsNullThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(SUBJECT, null));

            assertThat(e.fields()).contains("purpose");
        }

        static Stream<String> malformedPurposes() {
            return Stream.of(
                    "",
                    "Marketing",
                    "a..b",
                    ".a",
                    "a.",
                    "marketing email",
                    "-marketing",
                    "_a",
                    "marketing'; DROP TABLE x;--",
                    "a".repeat(129),
                    "marketing.émail",
                    "marketing\n");
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @MethodSource("malformedPurposes")
        void recordWhenPurposeIsMalformedThenRejectedAndNothingWritten(String purpose) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(SUBJECT, purpose));

            assertThat(e.fields()).containsExactly("purpose");
        }

        @Test
        void recordWhenPurposeIsWellFormedButUndeclaredThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(SUBJECT, "partners.sharing"));

            assertThat(e.violations()).singleElement().satisfies(v -> {
                assertThat(v.field()).isEqualTo("purpose");
                assertThat(v.message()).isEqualTo("must be a declared purpose");
            });
        }

        @Test
        void recordWhenPurposeIsAChildOfADeclaredPurposeButUndeclaredThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(SUBJECT, "marketing.sms"));

            assertThat(e.fields()).containsExactly("purpose");
        }

        @Test
        void recordWhenPurposeHas128CharactersAndIsUndeclaredThenRejectedAsUndeclared() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grant(SUBJECT, "a".repeat(128)));

            assertThat(e.violations())
                    .singleElement()
                    .satisfies(v -> assertThat(v.message()).isEqualTo("must be a declared purpose"));
        }

        @ParameterizedTest(name = "[{index}] version {0}")
        @ValueSource(ints = {0, -1, 3, 99})
        void recordWhenPurposeVersionIsNotPositiveOrUndeclaredThenRejectedAndNothingWritten(int version) {
            ConsentCommand command = ConsentCommand.grant(SUBJECT, PURPOSE)
                    .purposeVersion(version)
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).isNotEmpty().containsOnly("purposeVersion");
        }

        @Test
        void recordWhenPurposeVersionIsAnOlderDeclaredVersionThenAccepted() {
            ConsentRecord r = manager.record(
                    ConsentCommand.grant(SUBJECT, PURPOSE).purposeVersion(1).build());

            assertThat(r.purposeVersion()).isEqualTo(1);
            assertThat(store.size()).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ time

    @Nested
    @DisplayName("effectiveAt")
    class EffectiveAtField {

        @ParameterizedTest(name = "[{index}] now + {0}s")
        @ValueSource(longs = {1, 60, 86_400 * 365L})
        void recordWhenEffectiveAtIsInTheFutureThenRejectedAndNothingWritten(long secondsAhead) {
            ConsentCommand command = ConsentCommand.grant(SUBJECT, PURPOSE)
                    .effectiveAt(NOW.plusSeconds(secondsAhead))
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).containsExactly("effectiveAt");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {"1969-12-31T23:59:59Z", "1900-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"})
        void recordWhenEffectiveAtIsBefore1970ThenRejectedAndNothingWritten(String instant) {
            ConsentCommand command = ConsentCommand.grant(SUBJECT, PURPOSE)
                    .effectiveAt(Instant.parse(instant))
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).containsExactly("effectiveAt");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {"1970-01-01T00:00:00Z", "2019-03-04T05:06:07Z", "2025-06-01T10:00:00Z"})
        void recordWhenEffectiveAtIsNotInTheFutureThenAcceptedAndKept(String instant) {
            Instant effectiveAt = Instant.parse(instant);

            ConsentRecord r = manager.record(ConsentCommand.grant(SUBJECT, PURPOSE)
                    .effectiveAt(effectiveAt)
                    .build());

            assertThat(r.effectiveAt()).isEqualTo(effectiveAt);
            assertThat(r.recordedAt()).isEqualTo(NOW);
            assertThat(store.size()).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ pending confirmation

    @Nested
    @DisplayName("pendingConfirmation")
    class PendingConfirmationField {

        static Stream<ConsentCommand.Builder> refusals() {
            return Stream.of(
                    ConsentCommand.deny(SUBJECT, PURPOSE),
                    ConsentCommand.withdraw(SUBJECT, PURPOSE),
                    ConsentCommand.optOut(SUBJECT, PURPOSE));
        }

        @ParameterizedTest
        @MethodSource("refusals")
        void recordWhenPendingConfirmationIsSetOnARefusalThenRejectedAndNothingWritten(ConsentCommand.Builder refusal) {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(refusal.pendingConfirmation(true).build());

            assertThat(e.fields()).containsExactly("pendingConfirmation");
        }

        @Test
        void recordWhenPendingConfirmationIsSetOnAGrantThenStoredAsPending() {
            ConsentRecord r = manager.record(ConsentCommand.grant(SUBJECT, PURPOSE)
                    .pendingConfirmation(true)
                    .build());

            assertThat(r.status()).isEqualTo(ConsentStatus.PENDING);
            assertThat(manager.check(SUBJECT, PURPOSE).allowed()).isFalse();
        }
    }

    // ------------------------------------------------------------------ evidence

    @Nested
    @DisplayName("evidence")
    class EvidenceFields {

        static Stream<String> badCollectionPoints() {
            return Stream.of(
                    "", "   ", "c".repeat(256), "signup\nform", "signup\u0000form", "signup\u2028form", "signup\tform");
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @MethodSource("badCollectionPoints")
        void recordWhenCollectionPointIsBlankTooLongOrHasControlCharactersThenRejectedAndNothingWritten(String point) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(grantWith(Evidence.of(Source.WEB, point)));

            assertThat(e.fields()).containsExactly("evidence.collectionPoint");
        }

        @Test
        void evidenceWhenCollectionPointIsNullThenRejectedAtBuild() {
            InvalidConsentRequestException e =
                    rejected(() -> Evidence.builder().source(Source.WEB).build());

            assertThat(e.fields()).containsExactly("evidence.collectionPoint");
        }

        @Test
        void recordWhenNoticeVersionIsTooLongThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().noticeVersion("v".repeat(65)).build()));

            assertThat(e.fields()).containsExactly("evidence.noticeVersion");
        }

        @Test
        void recordWhenNoticeVersionHas64CharactersThenAccepted() {
            ConsentRecord r = manager.record(
                    grantWith(evidence().noticeVersion("v".repeat(64)).build()));

            assertThat(r.evidence().noticeVersion()).contains("v".repeat(64));
        }

        static Stream<String> badSha256() {
            String valid = Digests.sha256Hex("Privacy notice v3");
            return Stream.of(
                    valid.toUpperCase(java.util.Locale.ROOT),
                    valid.substring(1),
                    valid + "0",
                    "g" + valid.substring(1),
                    "",
                    " " + valid.substring(1));
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @MethodSource("badSha256")
        void recordWhenNoticeTextSha256IsNot64LowerCaseHexThenRejectedAndNothingWritten(String sha) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().noticeTextSha256(sha).build()));

            assertThat(e.fields()).containsExactly("evidence.noticeTextSha256");
        }

        @Test
        void recordWhenNoticeTextIsGivenThenItsSha256IsAccepted() {
            ConsentRecord r = manager.record(
                    grantWith(evidence().noticeText("Privacy notice v3").build()));

            assertThat(r.evidence().noticeTextSha256())
                    .hasValueSatisfying(sha -> assertThat(sha).hasSize(64).matches("[0-9a-f]{64}"));
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @ValueSource(
                strings = {
                    "not-an-ip",
                    "999.1.1.1",
                    "256.0.0.1",
                    "1.2.3",
                    "1.2.3.4.5",
                    "01.2.3.4",
                    "example.com",
                    "localhost",
                    "1.2.3.4 ",
                    "::g",
                    "1:2:3:4:5:6:7:8:9",
                    "",
                    " "
                })
        void recordWhenIpAddressIsNotAnAddressLiteralThenRejectedAndNothingWritten(String ip) {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(grantWith(evidence().ipAddress(ip).build()));

            assertThat(e.fields()).containsExactly("evidence.ipAddress");
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @ValueSource(
                strings = {
                    "example.com",
                    "localhost",
                    "consentkit.invalid",
                    ".::1",
                    ".1:2",
                    "..:",
                    "a:b.c",
                    "::1",
                    "203.0.113.77",
                    "2001:db8::1"
                })
        void recordWhenIpAddressIsValidatedThenNoHostNameIsResolved(String ip) {
            List<String> lookups = NameLookupProbe.lookupsDuring(
                    () -> manager.record(grantWith(evidence().ipAddress(ip).build())));

            assertThat(lookups)
                    .as("host names resolved while validating %s", ip)
                    .isEmpty();
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @ValueSource(strings = {".::1", ".1:2", "..:"})
        void recordWhenIpAddressStartsWithADotThenRejectedAndNothingWritten(String ip) {
            InvalidConsentRequestException e =
                    rejectedAndNothingWritten(grantWith(evidence().ipAddress(ip).build()));

            assertThat(e.fields()).containsExactly("evidence.ipAddress");
        }

        @Test
        void theNameLookupProbeSeesARealLookup() {
            // proves that the no-DNS assertions above can fail
            List<String> lookups = NameLookupProbe.lookupsDuring(() -> InetAddress.getByName("consentkit.invalid"));

            assertThat(lookups).containsExactly("consentkit.invalid");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(
                strings = {
                    "203.0.113.77",
                    "0.0.0.0",
                    "255.255.255.255",
                    "2001:db8::1",
                    "::1",
                    "::ffff:203.0.113.77",
                    "2001:DB8:0:0:0:0:0:1"
                })
        void recordWhenIpAddressIsALiteralThenAccepted(String ip) {
            ConsentRecord r = manager.record(grantWith(evidence().ipAddress(ip).build()));

            assertThat(r.evidence().ipAddress()).isPresent();
            assertThat(store.size()).isEqualTo(1);
        }

        @Test
        void recordWhenUserAgentIsLongerThan1024CharactersThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().userAgent("u".repeat(1025)).build()));

            assertThat(e.fields()).containsExactly("evidence.userAgent");
        }

        @Test
        void recordWhenUserAgentHas1024CharactersThenAccepted() {
            ConsentRecord r = manager.record(
                    grantWith(evidence().userAgent("u".repeat(1024)).build()));

            assertThat(r.evidence().userAgent()).contains("u".repeat(1024));
        }

        @Test
        void recordWhenCommentIsLongerThan2000CharactersThenRejectedAndNothingWritten() {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().comment("c".repeat(2001)).build()));

            assertThat(e.fields()).containsExactly("evidence.comment");
        }

        @Test
        void recordWhenCommentHasNewlinesAndTabsThenAcceptedAndKept() {
            String comment = "Caller confirmed by phone.\r\nAgent:\tmaria\nSecond line";

            ConsentRecord r =
                    manager.record(grantWith(evidence().comment(comment).build()));

            assertThat(r.evidence().comment()).contains(comment);
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {"note\u0000", "note\u0007bell", "note\u2028", "note\u0085"})
        void recordWhenCommentHasOtherControlCharactersThenRejectedAndNothingWritten(String comment) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().comment(comment).build()));

            assertThat(e.fields()).containsExactly("evidence.comment");
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {"proof\n1", "proof\u00001", "proof\u20281", "proof\t1"})
        void recordWhenProofReferenceHasControlCharactersThenRejectedAndNothingWritten(String proof) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    grantWith(evidence().proofReference(proof).build()));

            assertThat(e.fields()).containsExactly("evidence.proofReference");
        }

        @Test
        void actorWhenAgentIdHasControlCharactersThenRejectedNamingTheField() {
            InvalidConsentRequestException e = rejected(() -> Actor.agent("agent\n7"));

            assertThat(e.fields()).containsExactly("evidence.actor.id");
        }
    }

    // ------------------------------------------------------------------ idempotency key

    @Nested
    @DisplayName("idempotencyKey")
    class IdempotencyKeyField {

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @MethodSource("dev.consentkit.core.CommandValidationTest#badIdempotencyKeys")
        void recordWhenIdempotencyKeyIsBlankOverlongOrHasControlCharactersThenRejectedAndNothingWritten(String key) {
            InvalidConsentRequestException e = rejectedAndNothingWritten(
                    ConsentCommand.grant(SUBJECT, PURPOSE).idempotencyKey(key).build());

            assertThat(e.fields()).containsExactly("idempotencyKey");
        }

        @Test
        void recordWhenIdempotencyKeyHas255CharactersThenAccepted() {
            ConsentRecord r = manager.record(ConsentCommand.grant(SUBJECT, PURPOSE)
                    .idempotencyKey("k".repeat(255))
                    .build());

            assertThat(r.idempotencyKey()).contains("k".repeat(255));
        }
    }

    static Stream<String> badIdempotencyKeys() {
        return Stream.of("", " ", "k".repeat(256), "key\n1", "key\u00001");
    }

    // ------------------------------------------------------------------ many problems at once

    @Nested
    @DisplayName("several problems")
    class SeveralProblems {

        @Test
        void recordWhenCommandHasSeveralProblemsThenAllAreListedAtOnce() {
            ConsentCommand command = ConsentCommand.deny("cust\n42", "Marketing")
                    .pendingConfirmation(true)
                    .effectiveAt(NOW.plusSeconds(3600))
                    .idempotencyKey("")
                    .evidence(Evidence.builder()
                            .source(Source.WEB)
                            .collectionPoint(" ")
                            .ipAddress("example.com")
                            .userAgent("u".repeat(1025))
                            .comment("c".repeat(2001))
                            .noticeVersion("v".repeat(65))
                            .noticeTextSha256("ABC")
                            .proofReference("p\u0000")
                            .build())
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields())
                    .containsExactlyInAnyOrder(
                            "subject",
                            "purpose",
                            "pendingConfirmation",
                            "effectiveAt",
                            "idempotencyKey",
                            "evidence.collectionPoint",
                            "evidence.ipAddress",
                            "evidence.userAgent",
                            "evidence.comment",
                            "evidence.noticeVersion",
                            "evidence.noticeTextSha256",
                            "evidence.proofReference");
            assertThat(e.fields()).isSorted();
        }

        @Test
        void recordWhenSubjectAndPurposeAreNullAndEvidenceIsBadThenAllAreListedAtOnce() {
            ConsentCommand command = ConsentCommand.grant(null, null)
                    .evidence(evidence().ipAddress("not-an-ip").build())
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).containsExactlyInAnyOrder("evidence.ipAddress", "purpose", "subject");
        }

        @Test
        void recordWhenPurposeIsUndeclaredAndVersionIsZeroThenBothFieldsAreReported() {
            ConsentCommand command = ConsentCommand.grant(SUBJECT, "partners")
                    .purposeVersion(0)
                    .effectiveAt(Instant.parse("1960-01-01T00:00:00Z"))
                    .build();

            InvalidConsentRequestException e = rejectedAndNothingWritten(command);

            assertThat(e.fields()).contains("purpose", "purposeVersion", "effectiveAt");
        }
    }

    // ------------------------------------------------------------------ recordAll

    @Nested
    @DisplayName("recordAll")
    class RecordAll {

        @Test
        void recordAllWhenOneCommandIsBadThenExceptionNamesItsIndexAndNothingIsWritten() {
            List<ConsentCommand> commands = List.of(
                    grant("cust-1", PURPOSE),
                    grant("cust-2", PURPOSE),
                    ConsentCommand.grant("cust-3", PURPOSE)
                            .evidence(evidence().ipAddress("999.1.1.1").build())
                            .build(),
                    grant("cust-4", "marketing"));

            InvalidConsentRequestException e = rejected(() -> manager.recordAll(commands));

            assertThat(e.fields()).containsExactly("commands[2].evidence.ipAddress");
            assertNothingWritten();
            assertThat(manager.check("cust-1", PURPOSE).allowed()).isFalse();
        }

        @Test
        void recordAllWhenSeveralCommandsAreBadThenEveryOneIsNamed() {
            List<ConsentCommand> commands = List.of(
                    grant("cust\n1", PURPOSE),
                    grant("cust-2", PURPOSE),
                    grant("cust-3", "Marketing"),
                    ConsentCommand.deny("cust-4", PURPOSE)
                            .pendingConfirmation(true)
                            .build());

            InvalidConsentRequestException e = rejected(() -> manager.recordAll(commands));

            assertThat(e.fields())
                    .containsExactlyInAnyOrder(
                            "commands[0].subject", "commands[2].purpose", "commands[3].pendingConfirmation");
            assertNothingWritten();
        }

        @Test
        void recordAllWhenOneCommandHasANullSubjectThenExceptionNamesItsIndexAndNothingIsWritten() {
            List<ConsentCommand> commands = List.of(grant("cust-1", PURPOSE), grant(null, PURPOSE));

            InvalidConsentRequestException e = rejected(() -> manager.recordAll(commands));

            assertThat(e.fields()).containsExactly("commands[1].subject");
            assertNothingWritten();
        }

        @Test
        void recordAllWhenOneCommandHasANullPurposeThenExceptionNamesItsIndexAndNothingIsWritten() {
            List<ConsentCommand> commands = List.of(grant("cust-1", PURPOSE), grant("cust-2", null));

            InvalidConsentRequestException e = rejected(() -> manager.recordAll(commands));

            assertThat(e.fields()).containsExactly("commands[1].purpose");
            assertNothingWritten();
        }

        @Test
        void recordAllWhenACommandIsNullThenExceptionNamesItsIndexAndNothingIsWritten() {
            List<ConsentCommand> commands = new ArrayList<>();
            commands.add(grant("cust-1", PURPOSE));
            commands.add(null);

            InvalidConsentRequestException e = rejected(() -> manager.recordAll(commands));

            assertThat(e.fields()).containsExactly("commands[1]");
            assertNothingWritten();
        }

        @Test
        void recordAllWhenEveryCommandIsValidThenAllAreWrittenInOrder() {
            List<ConsentRecord> recorded = manager.recordAll(List.of(
                    grant("cust-1", PURPOSE),
                    grant("cust-2", "marketing"),
                    ConsentCommand.optOut("cust-1", "analytics").build()));

            assertThat(recorded).extracting(r -> r.subject().value()).containsExactly("cust-1", "cust-2", "cust-1");
            assertThat(store.size()).isEqualTo(3);
        }
    }
}
