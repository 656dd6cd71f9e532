package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.consentkit.core.VerificationReport.BrokenChain;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.core.internal.StateVerifier;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AuditChainTest {

    private static final String TENANT = "default";
    private static final SubjectId ALICE = SubjectId.of("alice");

    private InMemoryConsentStore store;
    private ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        manager = TestFixtures.manager()
                .store(store)
                .evidencePolicy(EvidencePolicy.builder()
                        .ipAddress(EvidencePolicy.Minimisation.KEEP)
                        .userAgent(EvidencePolicy.Minimisation.KEEP)
                        .build())
                .build();
    }

    /** Five records for alice on three purposes; the copy of her chain is returned in chain order. */
    private List<AuditEntry> aliceWithFiveRecords() {
        manager.record(ConsentCommand.grant("alice", "marketing.email")
                .evidence(TestFixtures.webEvidence())
                .idempotencyKey("signup-1")
                .build());
        manager.record(ConsentCommand.grant("alice", "analytics")
                .evidence(TestFixtures.webEvidence())
                .build());
        manager.record(ConsentCommand.withdraw("alice", "marketing.email")
                .evidence(TestFixtures.webEvidence())
                .build());
        manager.record(ConsentCommand.optOut("alice", "profiling")
                .evidence(TestFixtures.webEvidence())
                .build());
        manager.record(ConsentCommand.deny("alice", "analytics").build());
        return chainOf(ALICE);
    }

    private List<AuditEntry> chainOf(SubjectId subject) {
        try (Stream<AuditEntry> s = store.chains(TENANT, Optional.of(subject))) {
            return new ArrayList<>(s.toList());
        }
    }

    private VerificationReport verify(List<AuditEntry> entries) {
        return AuditChain.verify(entries.stream(), store::head);
    }

    private static ConsentRecord consent(AuditEntry entry) {
        return (ConsentRecord) entry;
    }

    @Nested
    class UntouchedChain {

        @Test
        void verifiesForOneSubjectAndCountsItsRecords() {
            List<AuditEntry> chain = aliceWithFiveRecords();

            VerificationReport report = manager.verify("alice");

            assertThat(report.intact()).isTrue();
            assertThat(report.brokenChains()).isEmpty();
            assertThat(report.recordsChecked()).isEqualTo(5);
            assertThat(report.subjectsChecked()).isEqualTo(1);
            assertThat(verify(chain)).isEqualTo(report);
        }

        @Test
        void linksEveryEntryToItsPredecessorFromGenesis() {
            List<AuditEntry> chain = aliceWithFiveRecords();

            assertThat(chain).extracting(e -> e.link().sequence()).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(chain.get(0).link().previousHash()).isEqualTo(ChainLink.GENESIS);
            for (int i = 1; i < chain.size(); i++) {
                assertThat(chain.get(i).link().previousHash())
                        .isEqualTo(chain.get(i - 1).link().hash());
            }
            for (AuditEntry e : chain) {
                assertThat(e.link().hash())
                        .matches("[0-9a-f]{64}")
                        .isEqualTo(
                                AuditChain.hash(e, e.link().sequence(), e.link().previousHash()));
            }
            assertThat(store.head(TENANT, ALICE)).contains(chain.get(4).link());
        }

        @Test
        void verifiesEverySubjectOfTheTenantAndOnlyThatTenant() {
            aliceWithFiveRecords();
            manager.record(ConsentCommand.grant("bob", "analytics").build());
            manager.record(ConsentCommand.grant("bob", "marketing.email").build());
            manager.record(ConsentCommand.grant("carol", "analytics").build());
            ConsentManager otherTenant =
                    TestFixtures.manager().store(store).tenant("brand-b").build();
            otherTenant.record(ConsentCommand.grant("alice", "analytics").build());

            VerificationReport report = manager.verify();

            assertThat(report.intact()).isTrue();
            assertThat(report.recordsChecked()).isEqualTo(8);
            assertThat(report.subjectsChecked()).isEqualTo(3);
            VerificationReport other = otherTenant.verify();
            assertThat(other.recordsChecked()).isEqualTo(1);
            assertThat(other.subjectsChecked()).isEqualTo(1);
        }

        @Test
        void anEmptyChainIsIntactWithNothingChecked() {
            VerificationReport report = manager.verify("nobody");

            assertThat(report.intact()).isTrue();
            assertThat(report.recordsChecked()).isZero();
            assertThat(report.subjectsChecked()).isZero();
        }
    }

    @Nested
    class ManipulatedCopyOfTheChain {

        @Test
        void changedStatusIsReportedAsContentChangedAtThatRecord() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            ConsentRecord original = consent(chain.get(2));
            ConsentRecord forged =
                    Rec.of(original).with(r -> r.status = ConsentStatus.GRANTED).build();
            assertThat(forged.link()).isEqualTo(original.link());
            chain.set(2, forged);

            VerificationReport report = verify(chain);

            assertThat(report.brokenChains())
                    .containsExactly(
                            new BrokenChain(TENANT, ALICE, Optional.of(original.id()), 3, Problem.CONTENT_CHANGED));
            assertThat(report.recordsChecked()).isEqualTo(5);
            assertThat(report.subjectsChecked()).isEqualTo(1);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.consentkit.core.AuditChainTest#personalEdits")
        void changedPersonalEvidenceWithTheOldDigestIsReportedAsContentChanged(String field, Consumer<Rec> edit) {
            List<AuditEntry> chain = aliceWithFiveRecords();
            ConsentRecord original = consent(chain.get(0));
            ConsentRecord forged = Rec.of(original).with(edit).build();
            assertThat(forged).isNotEqualTo(original);
            assertThat(forged.personalDataDigest()).isEqualTo(original.personalDataDigest());
            // the chain hash alone does not see personal fields: only the digest check can catch this
            assertThat(AuditChain.hash(forged, 1, ChainLink.GENESIS))
                    .isEqualTo(original.link().hash());
            chain.set(0, forged);

            assertThat(verify(chain).brokenChains())
                    .containsExactly(
                            new BrokenChain(TENANT, ALICE, Optional.of(original.id()), 1, Problem.CONTENT_CHANGED));
        }

        @Test
        void reassigningTheWholeChainToAnotherSubjectIsReported() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            SubjectId mallory = SubjectId.of("mallory");
            List<AuditEntry> forged = chain.stream()
                    .map(e -> (AuditEntry)
                            Rec.of(consent(e)).with(r -> r.subject = mallory).build())
                    .toList();

            assertThat(verify(forged).brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT, mallory, Optional.of(chain.get(0).id()), 1, Problem.CONTENT_CHANGED));
        }

        @Test
        void removedMiddleRecordIsReportedAtTheFollowingRecord() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            AuditEntry following = chain.get(3);
            chain.remove(2);

            assertThat(verify(chain).brokenChains())
                    .containsExactly(
                            new BrokenChain(TENANT, ALICE, Optional.of(following.id()), 4, Problem.RECORD_MISSING));
        }

        @Test
        void removedFirstRecordIsReportedAtTheNewFirstRecord() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            AuditEntry following = chain.get(1);
            chain.remove(0);

            assertThat(verify(chain).brokenChains())
                    .containsExactly(
                            new BrokenChain(TENANT, ALICE, Optional.of(following.id()), 2, Problem.RECORD_MISSING));
        }

        @ParameterizedTest(name = "swap positions {0} and {1}")
        @CsvSource({"1, 2", "0, 1", "3, 4", "0, 4", "1, 3"})
        void swappedRecordsAreReportedAsOrderChanged(int i, int j) {
            List<AuditEntry> chain = aliceWithFiveRecords();
            Collections.swap(chain, i, j);
            AuditEntry firstOutOfPlace = chain.get(i);

            assertThat(verify(chain).brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT,
                            ALICE,
                            Optional.of(firstOutOfPlace.id()),
                            firstOutOfPlace.link().sequence(),
                            Problem.ORDER_CHANGED));
        }

        @Test
        void duplicatedRecordIsReportedAsOrderChanged() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            AuditEntry copy = chain.get(1);
            chain.add(2, copy);

            assertThat(verify(chain).brokenChains())
                    .containsExactly(new BrokenChain(TENANT, ALICE, Optional.of(copy.id()), 2, Problem.ORDER_CHANGED));
        }

        @Test
        void removedLastRecordIsReportedAfterTheChainWithoutARecordId() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            chain.remove(4);

            List<BrokenChain> broken = verify(chain).brokenChains();

            assertThat(broken).hasSize(1);
            BrokenChain b = broken.get(0);
            assertThat(b.subject()).isEqualTo(ALICE);
            assertThat(b.firstBadRecord()).isEmpty();
            assertThat(b.problem()).isIn(Problem.RECORD_MISSING, Problem.HEAD_MISMATCH);
            assertThat(b.sequence()).isEqualTo(5);
        }

        @Test
        void headWithAnotherHashIsReportedAsHeadMismatch() {
            List<AuditEntry> chain = aliceWithFiveRecords();

            VerificationReport report = AuditChain.verify(
                    chain.stream(),
                    (tenant, subject) -> store.head(tenant, subject)
                            .map(h -> new ChainLink(h.sequence(), h.previousHash(), "f".repeat(64))));

            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(TENANT, ALICE, Optional.empty(), 6, Problem.HEAD_MISMATCH));
        }

        @Test
        void missingHeadIsReportedAsHeadMismatch() {
            List<AuditEntry> chain = aliceWithFiveRecords();

            VerificationReport report = AuditChain.verify(chain.stream(), (tenant, subject) -> Optional.empty());

            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(TENANT, ALICE, Optional.empty(), 6, Problem.HEAD_MISMATCH));
        }

        @Test
        void resealedAlteredRecordBreaksTheLinkOfTheNextRecord() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            ConsentRecord original = consent(chain.get(1));
            ConsentRecord altered = Rec.of(original)
                    .with(r -> r.status = ConsentStatus.WITHDRAWN)
                    .build();
            ChainLink link = original.link();
            chain.set(
                    1,
                    altered.withLink(new ChainLink(
                            link.sequence(),
                            link.previousHash(),
                            AuditChain.hash(altered, link.sequence(), link.previousHash()))));

            assertThat(verify(chain).brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT, ALICE, Optional.of(chain.get(2).id()), 3, Problem.ORDER_CHANGED));
        }

        @Test
        void onlyTheTamperedChainIsReported() {
            aliceWithFiveRecords();
            manager.record(ConsentCommand.grant("bob", "analytics").build());
            manager.record(ConsentCommand.grant("carol", "analytics").build());
            manager.record(ConsentCommand.withdraw("carol", "analytics").build());
            List<AuditEntry> all;
            try (Stream<AuditEntry> s = store.chains(TENANT, Optional.empty())) {
                all = new ArrayList<>(s.toList());
            }
            int carolsLast = all.size() - 1;
            assertThat(all.get(carolsLast).subject()).isEqualTo(SubjectId.of("carol"));
            ConsentRecord original = consent(all.get(carolsLast));
            all.set(
                    carolsLast,
                    Rec.of(original)
                            .with(r -> r.effectiveAt = r.effectiveAt.minusSeconds(1))
                            .build());

            VerificationReport report = verify(all);

            assertThat(report.recordsChecked()).isEqualTo(8);
            assertThat(report.subjectsChecked()).isEqualTo(3);
            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT, SubjectId.of("carol"), Optional.of(original.id()), 2, Problem.CONTENT_CHANGED));
        }
    }

    static Stream<Arguments> personalEdits() {
        return Stream.of(
                arguments("comment", (Consumer<Rec>) r -> r.evidence =
                        r.evidence.toBuilder().comment("never agreed").build()),
                arguments("comment removed", (Consumer<Rec>)
                        r -> r.evidence = r.evidence.toBuilder().comment(null).build()),
                arguments("ipAddress", (Consumer<Rec>) r -> r.evidence =
                        r.evidence.toBuilder().ipAddress("198.51.100.7").build()),
                arguments("userAgent", (Consumer<Rec>) r -> r.evidence =
                        r.evidence.toBuilder().userAgent("curl/8.0").build()),
                arguments("idempotencyKey", (Consumer<Rec>) r -> r.idempotencyKey = Optional.of("other-key")));
    }

    @Nested
    class CanonicalEncoding {

        private final ConsentRecord base = Rec.base().build();
        private final String baseHash = AuditChain.hash(base, 1, ChainLink.GENESIS);

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.consentkit.core.AuditChainTest#nonPersonalEdits")
        void hashChangesWhenAnyNonPersonalFieldChanges(String field, Consumer<Rec> edit) {
            ConsentRecord changed = Rec.of(base).with(edit).build();
            assertThat(changed).isNotEqualTo(base);

            assertThat(AuditChain.hash(changed, 1, ChainLink.GENESIS)).isNotEqualTo(baseHash);
            assertThat(AuditChain.personalDataDigestOf(changed)).isEqualTo(AuditChain.personalDataDigestOf(base));
        }

        @Test
        void hashDependsOnSequenceAndPreviousHash() {
            assertThat(AuditChain.hash(base, 2, ChainLink.GENESIS)).isNotEqualTo(baseHash);
            assertThat(AuditChain.hash(base, 1, "1".repeat(64))).isNotEqualTo(baseHash);
            assertThat(AuditChain.hash(base, 1, ChainLink.GENESIS)).isEqualTo(baseHash);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.consentkit.core.AuditChainTest#personalDigestEdits")
        void personalDataDigestChangesWhenAnyPersonalFieldChanges(String field, Consumer<Rec> edit) {
            ConsentRecord changed = Rec.of(base).with(edit).build();
            assertThat(changed).isNotEqualTo(base);

            assertThat(AuditChain.personalDataDigestOf(changed)).isNotEqualTo(AuditChain.personalDataDigestOf(base));
            // personal fields enter the hash only through the stored digest, so erasure keeps the chain valid
            assertThat(AuditChain.hash(changed, 1, ChainLink.GENESIS)).isEqualTo(baseHash);
        }

        @Test
        void personalDataDigestOfARecordMatchesTheDigestTheManagerStores() {
            ConsentRecord recorded = manager.record(ConsentCommand.grant("alice", "marketing.email")
                    .evidence(TestFixtures.webEvidence())
                    .idempotencyKey("k-1")
                    .build());

            assertThat(recorded.personalDataDigest())
                    .matches("[0-9a-f]{64}")
                    .isEqualTo(AuditChain.personalDataDigestOf(recorded))
                    .isEqualTo(AuditChain.personalDataDigest(
                            ALICE, "k-1", "203.0.113.42", "Mozilla/5.0 (X11; Linux x86_64)", "ticked the box"));
        }

        @Test
        void fieldBoundariesCannotBeShifted() {
            ConsentRecord abC = Rec.of(base)
                    .with(r -> r.evidence = r.evidence.toBuilder()
                            .collectionPoint("ab")
                            .noticeVersion("c")
                            .build())
                    .build();
            ConsentRecord aBc = Rec.of(base)
                    .with(r -> r.evidence = r.evidence.toBuilder()
                            .collectionPoint("a")
                            .noticeVersion("bc")
                            .build())
                    .build();

            assertThat(AuditChain.hash(abC, 1, ChainLink.GENESIS))
                    .isNotEqualTo(AuditChain.hash(aBc, 1, ChainLink.GENESIS));
        }

        @Test
        void absentAndEmptyFieldsAreDistinguished() {
            ConsentRecord absent = Rec.of(base)
                    .with(r -> r.evidence =
                            r.evidence.toBuilder().noticeVersion(null).build())
                    .build();
            ConsentRecord empty = Rec.of(base)
                    .with(r -> r.evidence =
                            r.evidence.toBuilder().noticeVersion("").build())
                    .build();

            assertThat(AuditChain.hash(absent, 1, ChainLink.GENESIS))
                    .isNotEqualTo(AuditChain.hash(empty, 1, ChainLink.GENESIS));
            assertThat(AuditChain.personalDataDigest(ALICE, null, null, null, null))
                    .isNotEqualTo(AuditChain.personalDataDigest(ALICE, "", null, null, null));
        }

        @Test
        void personalFieldBoundariesCannotBeShifted() {
            assertThat(AuditChain.personalDataDigest(SubjectId.of("ab"), "c", null, null, null))
                    .isNotEqualTo(AuditChain.personalDataDigest(SubjectId.of("a"), "bc", null, null, null));
            assertThat(AuditChain.personalDataDigest(ALICE, null, null, "ua", null))
                    .isNotEqualTo(AuditChain.personalDataDigest(ALICE, null, null, null, "ua"));
            assertThat(AuditChain.personalDataDigest(ALICE, null, "10.0.0.1", null, null))
                    .isNotEqualTo(AuditChain.personalDataDigest(ALICE, null, null, "10.0.0.1", null));
        }

        @Test
        void sealLinksAfterThePreviousHead() {
            AuditEntry first = AuditChain.seal(base, Optional.empty());
            AuditEntry second = AuditChain.seal(
                    Rec.of(base).with(r -> r.id = UUID.randomUUID()).build(), Optional.of(first.link()));

            assertThat(first.link()).isEqualTo(new ChainLink(1, ChainLink.GENESIS, baseHash));
            assertThat(second.link().sequence()).isEqualTo(2);
            assertThat(second.link().previousHash()).isEqualTo(baseHash);
            assertThat(second.link().hash()).isEqualTo(AuditChain.hash(second, 2, baseHash));
        }
    }

    static Stream<Arguments> nonPersonalEdits() {
        return Stream.of(
                edit("id", r -> r.id = UUID.fromString("00000000-0000-0000-0000-000000000002")),
                edit("tenant", r -> r.tenant = "brand-b"),
                edit("purpose", r -> r.purpose = PurposeId.of("marketing.sms")),
                edit("purposeVersion", r -> r.purposeVersion = 2),
                edit("status", r -> r.status = ConsentStatus.WITHDRAWN),
                edit("recordedAt", r -> r.recordedAt = r.recordedAt.plus(1, ChronoUnit.MICROS)),
                edit("effectiveAt", r -> r.effectiveAt = r.effectiveAt.plus(1, ChronoUnit.MICROS)),
                edit(
                        "expiresAt changed",
                        r -> r.expiresAt = Optional.of(r.expiresAt.orElseThrow().plusSeconds(1))),
                edit("expiresAt removed", r -> r.expiresAt = Optional.empty()),
                edit("conflict", r -> r.conflict = true),
                edit("personalDataDigest", r -> r.personalDataDigest = "f".repeat(64)),
                edit(
                        "evidence.source",
                        r -> r.evidence =
                                r.evidence.toBuilder().source(Source.PHONE).build()),
                edit(
                        "evidence.collectionPoint",
                        r -> r.evidence = r.evidence.toBuilder()
                                .collectionPoint("signup-form-v4")
                                .build()),
                edit(
                        "evidence.noticeVersion",
                        r -> r.evidence =
                                r.evidence.toBuilder().noticeVersion("2026-02").build()),
                edit(
                        "evidence.noticeVersion removed",
                        r -> r.evidence =
                                r.evidence.toBuilder().noticeVersion(null).build()),
                edit(
                        "evidence.noticeTextSha256",
                        r -> r.evidence =
                                r.evidence.toBuilder().noticeText("other text").build()),
                edit(
                        "evidence.locale",
                        r -> r.evidence =
                                r.evidence.toBuilder().locale(Locale.FRANCE).build()),
                edit(
                        "evidence.actor type",
                        r -> r.evidence = r.evidence.toBuilder()
                                .actor(Actor.system("agent-7"))
                                .build()),
                edit(
                        "evidence.actor id",
                        r -> r.evidence = r.evidence.toBuilder()
                                .actor(Actor.agent("agent-8"))
                                .build()),
                edit(
                        "evidence.actor to subject",
                        r -> r.evidence =
                                r.evidence.toBuilder().actor(Actor.subject()).build()),
                edit(
                        "evidence.proofReference",
                        r -> r.evidence =
                                r.evidence.toBuilder().proofReference("doi-2").build()));
    }

    static Stream<Arguments> personalDigestEdits() {
        return Stream.of(
                edit("subject", r -> r.subject = SubjectId.of("alicE")),
                edit("idempotencyKey", r -> r.idempotencyKey = Optional.of("idem-2")),
                edit("idempotencyKey removed", r -> r.idempotencyKey = Optional.empty()),
                edit(
                        "ipAddress",
                        r -> r.evidence =
                                r.evidence.toBuilder().ipAddress("203.0.113.43").build()),
                edit(
                        "userAgent",
                        r -> r.evidence =
                                r.evidence.toBuilder().userAgent("Mozilla/5.1").build()),
                edit(
                        "comment",
                        r -> r.evidence = r.evidence.toBuilder()
                                .comment("ticked the box!")
                                .build()),
                edit(
                        "comment removed",
                        r -> r.evidence = r.evidence.toBuilder().comment(null).build()));
    }

    private static Arguments edit(String name, Consumer<Rec> edit) {
        return arguments(name, edit);
    }

    /** A mutable copy of a {@link ConsentRecord}, for forging variants in tests. */
    static final class Rec {
        UUID id;
        String tenant;
        SubjectId subject;
        PurposeId purpose;
        int purposeVersion;
        ConsentStatus status;
        Instant recordedAt;
        Instant effectiveAt;
        Optional<Instant> expiresAt;
        Optional<String> idempotencyKey;
        Evidence evidence;
        boolean conflict;
        String personalDataDigest;
        ChainLink link;

        static Rec of(ConsentRecord r) {
            Rec m = new Rec();
            m.id = r.id();
            m.tenant = r.tenant();
            m.subject = r.subject();
            m.purpose = r.purpose();
            m.purposeVersion = r.purposeVersion();
            m.status = r.status();
            m.recordedAt = r.recordedAt();
            m.effectiveAt = r.effectiveAt();
            m.expiresAt = r.expiresAt();
            m.idempotencyKey = r.idempotencyKey();
            m.evidence = r.evidence();
            m.conflict = r.conflict();
            m.personalDataDigest = r.personalDataDigest();
            m.link = r.link();
            return m;
        }

        /** A fully populated record whose stored digest matches its personal fields. */
        static Rec base() {
            Evidence evidence = Evidence.builder()
                    .source(Source.WEB)
                    .collectionPoint("signup-form-v3")
                    .noticeVersion("2026-01")
                    .noticeText("We send a newsletter.")
                    .locale(Locale.GERMANY)
                    .actor(Actor.agent("agent-7"))
                    .ipAddress("203.0.113.42")
                    .userAgent("Mozilla/5.0")
                    .comment("ticked the box")
                    .proofReference("doi-1")
                    .build();
            SubjectId subject = SubjectId.of("alice");
            return of(new ConsentRecord(
                    UUID.fromString("00000000-0000-0000-0000-000000000001"),
                    "default",
                    subject,
                    PurposeId.of("marketing.email"),
                    1,
                    ConsentStatus.GRANTED,
                    NOW_MICROS,
                    NOW_MICROS.minus(1, ChronoUnit.DAYS),
                    Optional.of(NOW_MICROS.plus(390, ChronoUnit.DAYS)),
                    Optional.of("idem-1"),
                    evidence,
                    false,
                    AuditChain.personalDataDigest(subject, "idem-1", "203.0.113.42", "Mozilla/5.0", "ticked the box"),
                    ChainLink.UNSEALED));
        }

        Rec with(Consumer<Rec> edit) {
            edit.accept(this);
            return this;
        }

        ConsentRecord build() {
            return new ConsentRecord(
                    id,
                    tenant,
                    subject,
                    purpose,
                    purposeVersion,
                    status,
                    recordedAt,
                    effectiveAt,
                    expiresAt,
                    idempotencyKey,
                    evidence,
                    conflict,
                    personalDataDigest,
                    link);
        }
    }

    /** What a store holds beside the chain, compared with what the chain makes current. */
    @Nested
    class StateBesideTheChain {

        private StateVerifier.Stored storedOf(SubjectId subject) {
            return StateVerifier.Stored.of(
                    store.head(TENANT, subject), store.state(TENANT, subject), store.preferences(TENANT, subject));
        }

        private VerificationReport verifyWith(
                List<StateVerifier.Row> rows, BiFunction<String, SubjectId, StateVerifier.Stored> stored) {
            return AuditChain.verifyRows(rows.stream(), stored);
        }

        @Test
        void aConsistentInMemoryStoreIsIntact() {
            List<AuditEntry> chain = aliceWithFiveRecords();

            assertThat(manager.verify().intact()).isTrue();
            assertThat(verifyWith(chain.stream().map(StateVerifier.Row::of).toList(), (t, s) -> storedOf(s))
                            .intact())
                    .isTrue();
        }

        @Test
        void currentRecordPointedAtAnOlderRecordIsAStateMismatch() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            StateVerifier.Stored real = storedOf(ALICE);
            Set<UUID> edited = new HashSet<>(real.stateEntries());
            edited.remove(chain.get(2).id()); // the withdrawal on marketing.email
            edited.add(chain.get(0).id()); // back to the grant
            StateVerifier.Stored stored = new StateVerifier.Stored(
                    real.head(),
                    true,
                    false,
                    edited,
                    real.stateRows(),
                    real.preferenceEntries(),
                    real.preferenceRows());

            VerificationReport report =
                    verifyWith(chain.stream().map(StateVerifier.Row::of).toList(), (t, s) -> stored);

            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT, ALICE, Optional.of(chain.get(2).id()), 3, Problem.STATE_MISMATCH));
        }

        @Test
        void wrongErasedFlagAndMissingHeadAreReported() {
            List<AuditEntry> chain = aliceWithFiveRecords();
            StateVerifier.Stored real = storedOf(ALICE);
            StateVerifier.Stored flipped = new StateVerifier.Stored(
                    real.head(),
                    true,
                    true,
                    real.stateEntries(),
                    real.stateRows(),
                    real.preferenceEntries(),
                    real.preferenceRows());
            StateVerifier.Stored headless = new StateVerifier.Stored(
                    Optional.empty(),
                    true,
                    false,
                    real.stateEntries(),
                    real.stateRows(),
                    real.preferenceEntries(),
                    real.preferenceRows());
            List<StateVerifier.Row> rows =
                    chain.stream().map(StateVerifier.Row::of).toList();

            assertThat(verifyWith(rows, (t, s) -> flipped).brokenChains())
                    .containsExactly(new BrokenChain(TENANT, ALICE, Optional.empty(), 6, Problem.ERASED_FLAG_MISMATCH));
            assertThat(verifyWith(rows, (t, s) -> headless).brokenChains())
                    .containsExactly(new BrokenChain(TENANT, ALICE, Optional.empty(), 6, Problem.ENTRIES_WITHOUT_HEAD));
        }

        @Test
        void aMalformedRowIsReportedAndTheNextChainIsStillVerified() {
            List<AuditEntry> alice = aliceWithFiveRecords();
            manager.record(ConsentCommand.grant("bob", "analytics").build());
            List<StateVerifier.Row> rows = new ArrayList<>();
            alice.forEach(e -> rows.add(StateVerifier.Row.of(e)));
            rows.set(
                    1,
                    StateVerifier.Row.malformed(
                            TENANT, ALICE, 2, Optional.of(alice.get(1).id())));
            chainOf(SubjectId.of("bob")).forEach(e -> rows.add(StateVerifier.Row.of(e)));

            VerificationReport report = verifyWith(rows, (t, s) -> storedOf(s));

            assertThat(report.brokenChains())
                    .containsExactly(new BrokenChain(
                            TENANT, ALICE, Optional.of(alice.get(1).id()), 2, Problem.MALFORMED_ENTRY));
            assertThat(report.subjectsChecked()).isEqualTo(2);
            assertThat(report.recordsChecked()).isEqualTo(6);
        }
    }
}
