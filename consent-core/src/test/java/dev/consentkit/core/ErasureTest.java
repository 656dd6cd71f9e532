package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.NOW_MICROS;
import static dev.consentkit.core.TestFixtures.PURPOSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.spi.SubjectState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErasureTest {

    private static final String TENANT = "default";
    private static final String ALICE = "alice@example.org";
    private static final String ALICE_IP = "203.0.113.42";
    private static final String ALICE_UA = "AliceBrowser/1.0 (unique build 7731)";
    private static final String ALICE_COMMENT = "Alice asked by phone, ref 55-1234";
    private static final String ALICE_PREF_COMMENT = "Alice prefers weekly mails";
    private static final List<String> ALICE_KEYS = List.of("alice-signup-1", "alice-analytics-2");
    private static final String BOB = "bob";

    private static final EvidencePolicy KEEP = EvidencePolicy.builder()
            .ipAddress(EvidencePolicy.Minimisation.KEEP)
            .userAgent(EvidencePolicy.Minimisation.KEEP)
            .build();
    private static final PreferenceDefinition FREQUENCY =
            PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly");

    private InMemoryConsentStore store;
    private ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        ConsentManagerBuilder config = TestFixtures.manager()
                .store(store)
                .evidencePolicy(KEEP)
                .preferences(FREQUENCY)
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY);
        manager = config.build();
        // the choices are made a second before the clock's instant, when the erasure is recorded (time never
        // runs backwards along a chain, so entries in one microsecond would push the erasure later)
        ConsentManager earlier = config.clock(Clock.offset(TestFixtures.CLOCK, Duration.ofSeconds(-1)))
                .build();
        Evidence alices = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form-v3")
                .ipAddress(ALICE_IP)
                .userAgent(ALICE_UA)
                .comment(ALICE_COMMENT)
                .build();
        earlier.record(ConsentCommand.grant(ALICE, "marketing.email")
                .evidence(alices)
                .idempotencyKey(ALICE_KEYS.get(0))
                .build());
        earlier.record(ConsentCommand.grant(ALICE, "analytics")
                .evidence(alices)
                .idempotencyKey(ALICE_KEYS.get(1))
                .build());
        earlier.setPreference(
                ALICE,
                "newsletter.frequency",
                "weekly",
                Evidence.builder()
                        .source(Source.WEB)
                        .collectionPoint("preference-centre")
                        .comment(ALICE_PREF_COMMENT)
                        .build());
        earlier.record(
                ConsentCommand.optOut(ALICE, "profiling").evidence(alices).build());
        earlier.record(bobsGrant());
    }

    private static ConsentCommand bobsGrant() {
        return ConsentCommand.grant(BOB, "analytics")
                .evidence(Evidence.builder()
                        .source(Source.PHONE)
                        .collectionPoint("call-centre")
                        .actor(Actor.agent("agent-7"))
                        .ipAddress("198.51.100.9")
                        .comment("Bob agreed on the phone")
                        .build())
                .idempotencyKey("bob-1")
                .build();
    }

    private List<AuditEntry> chainOf(SubjectId subject) {
        try (Stream<AuditEntry> s = store.chains(TENANT, Optional.of(subject))) {
            return s.toList();
        }
    }

    /** Every text an entry holds, so that a test can look for personal data anywhere in it. */
    private static List<String> textsOf(AuditEntry e) {
        List<String> texts = new ArrayList<>();
        texts.add(e.subject().value());
        texts.add(e.tenant());
        texts.add(e.personalDataDigest());
        Evidence ev = null;
        if (e instanceof ConsentRecord r) {
            r.idempotencyKey().ifPresent(texts::add);
            ev = r.evidence();
        } else if (e instanceof PreferenceRecord p) {
            texts.add(p.key());
            texts.add(p.value());
            ev = p.evidence();
        } else if (e instanceof ErasureRecord er) {
            texts.add(er.reason());
        }
        if (ev != null) {
            texts.add(ev.collectionPoint());
            ev.ipAddress().ifPresent(texts::add);
            ev.userAgent().ifPresent(texts::add);
            ev.comment().ifPresent(texts::add);
            ev.noticeVersion().ifPresent(texts::add);
            ev.proofReference().ifPresent(texts::add);
            ev.actor().id().ifPresent(texts::add);
        }
        return texts;
    }

    @Nested
    class ErasingASubject {

        private List<AuditEntry> alicesChainBefore;
        private List<AuditEntry> bobsChainBefore;
        private long sizeBefore;
        private ErasureRecord erasure;

        @BeforeEach
        void erase() {
            alicesChainBefore = chainOf(SubjectId.of(ALICE));
            bobsChainBefore = chainOf(SubjectId.of(BOB));
            sizeBefore = store.size();
            assertThat(alicesChainBefore).hasSize(4);
            erasure = manager.erase(ALICE, "art17-request").orElseThrow();
        }

        @Test
        void closesAPseudonymousChainWithAnErasureRecord() {
            assertThat(erasure.subject().value()).startsWith("erased-").doesNotContain(ALICE);
            assertThat(erasure.reason()).isEqualTo("art17-request");
            assertThat(erasure.recordedAt()).isEqualTo(NOW_MICROS);
            assertThat(erasure.tenant()).isEqualTo(TENANT);

            List<AuditEntry> chain = chainOf(erasure.subject());
            assertThat(chain).hasSize(5);
            assertThat(chain.get(4)).isEqualTo(erasure);
            assertThat(chain).allSatisfy(e -> assertThat(e.subject()).isEqualTo(erasure.subject()));
            assertThat(chain).extracting(e -> e.link().sequence()).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(erasure.link().previousHash())
                    .isEqualTo(alicesChainBefore.get(3).link().hash());
        }

        @Test
        void keepsThePseudonymisedEntriesAsProofThatChoicesExisted() {
            List<AuditEntry> chain = chainOf(erasure.subject());

            assertThat(chain.subList(0, 4))
                    .extracting(AuditEntry::id, AuditEntry::link)
                    .containsExactlyElementsOf(alicesChainBefore.stream()
                            .map(e -> org.assertj.core.groups.Tuple.tuple(e.id(), e.link()))
                            .toList());
            ConsentRecord before = (ConsentRecord) alicesChainBefore.get(0);
            ConsentRecord after = (ConsentRecord) chain.get(0);
            assertThat(after.purpose()).isEqualTo(before.purpose());
            assertThat(after.status()).isEqualTo(before.status());
            assertThat(after.effectiveAt()).isEqualTo(before.effectiveAt());
            assertThat(after.evidence().collectionPoint()).isEqualTo("signup-form-v3");
            assertThat(after.personalDataDigest()).isEqualTo(before.personalDataDigest());
        }

        @Test
        void leavesNothingUnderTheOriginalId() {
            assertThat(TestFixtures.history(manager, ALICE)).isEmpty();
            assertThat(TestFixtures.auditTrail(manager, HistoryQuery.forSubject(ALICE)))
                    .isEmpty();
            assertThat(chainOf(SubjectId.of(ALICE))).isEmpty();
            assertThat(store.state(TENANT, SubjectId.of(ALICE))).isEmpty();
            assertThat(store.preferences(TENANT, SubjectId.of(ALICE))).isEmpty();
            assertThat(manager.preferences(ALICE)).isEmpty();
            for (AuditEntry e : alicesChainBefore) {
                if (e instanceof ConsentRecord r) {
                    assertThat(store.findRecord(TENANT, r.id()))
                            .get()
                            .extracting(ConsentRecord::subject)
                            .isEqualTo(erasure.subject());
                }
            }
        }

        @Test
        void leavesNoPersonalDataOfTheSubjectAnywhereInTheTenant() {
            List<AuditEntry> all = TestFixtures.auditTrail(manager, HistoryQuery.all());
            List<String> forbidden =
                    new ArrayList<>(List.of(ALICE, ALICE_IP, ALICE_UA, ALICE_COMMENT, ALICE_PREF_COMMENT));
            forbidden.addAll(ALICE_KEYS);

            assertThat(all).hasSize((int) sizeBefore + 1);
            assertThat(all).noneMatch(e -> e.subject().value().equals(ALICE));
            for (AuditEntry e : all) {
                for (String text : textsOf(e)) {
                    for (String personal : forbidden) {
                        assertThat(text).as("a field of %s", e).doesNotContain(personal);
                    }
                }
            }
            // the pseudonymised entries keep no personal evidence at all
            assertThat(all)
                    .filteredOn(e -> e.subject().equals(erasure.subject()) && e instanceof ConsentRecord)
                    .hasSize(3)
                    .allSatisfy(e -> {
                        ConsentRecord r = (ConsentRecord) e;
                        assertThat(r.idempotencyKey()).isEmpty();
                        assertThat(r.evidence().ipAddress()).isEmpty();
                        assertThat(r.evidence().userAgent()).isEmpty();
                        assertThat(r.evidence().comment()).isEmpty();
                    });
        }

        @Test
        void keepsEveryChainVerifiable() {
            VerificationReport report = manager.verify();

            assertThat(report.intact()).isTrue();
            assertThat(report.recordsChecked()).isEqualTo(sizeBefore + 1);
            assertThat(report.subjectsChecked()).isEqualTo(2);
            VerificationReport pseudonymous = manager.verify(erasure.subject().value());
            assertThat(pseudonymous.intact()).isTrue();
            assertThat(pseudonymous.recordsChecked()).isEqualTo(5);
        }

        @Test
        void deniesEveryPurposeWithReasonErased() {
            for (String purpose : PURPOSES) {
                ConsentDecision decision = manager.check(ALICE, purpose);
                assertThat(decision.reason()).as(purpose).isEqualTo(DecisionReason.ERASED);
                assertThat(decision.allowed()).as(purpose).isFalse();
                assertThat(decision.record()).as(purpose).isEmpty();
            }
            assertThat(manager.stateOf(ALICE).decisions().values())
                    .extracting(ConsentDecision::reason)
                    .containsOnly(DecisionReason.ERASED);
            assertThat(manager.checkAt(ALICE, "analytics", NOW_MICROS).reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(manager.filterAllowed("profiling", List.of(ALICE, BOB, "carol")))
                    .containsExactly(SubjectId.of(BOB), SubjectId.of("carol"));
        }

        @Test
        void refusesNewRecordsAndReplaysForTheErasedSubject() {
            assertThatThrownBy(() -> manager.record(
                            ConsentCommand.grant(ALICE, "analytics").build()))
                    .isInstanceOf(SubjectErasedException.class);
            assertThatThrownBy(() -> manager.record(ConsentCommand.grant(ALICE, "marketing.email")
                            .idempotencyKey(ALICE_KEYS.get(0))
                            .build()))
                    .isInstanceOf(SubjectErasedException.class);

            assertThat(store.size()).isEqualTo(sizeBefore + 1);
            assertThat(TestFixtures.history(manager, ALICE)).isEmpty();
        }

        @Test
        void leavesOtherSubjectsUntouched() {
            assertThat(chainOf(SubjectId.of(BOB))).isEqualTo(bobsChainBefore);
            ConsentRecord bobs = (ConsentRecord) bobsChainBefore.get(0);
            assertThat(bobs.evidence().comment()).contains("Bob agreed on the phone");
            assertThat(manager.check(BOB, "analytics").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(manager.verify(BOB).intact()).isTrue();
            // bob's idempotency key still replays his record
            assertThat(manager.record(bobsGrant())).isEqualTo(bobs);
        }

        @Test
        void findsNothingToEraseASecondTime() {
            assertThat(manager.erase(ALICE, "art17-request")).isEmpty();

            assertThat(store.size()).isEqualTo(sizeBefore + 1);
            assertThat(chainOf(erasure.subject())).hasSize(5);
            assertThat(store.state(TENANT, erasure.subject()))
                    .get()
                    .extracting(SubjectState::erased)
                    .isEqualTo(true);
        }
    }

    @Nested
    class RefusedErasure {

        @Test
        void needsAPseudonymKey() {
            ConsentManager withoutKey = TestFixtures.manager().store(store).build();

            assertThatThrownBy(() -> withoutKey.erase(ALICE, "art17-request"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pseudonymKey");
            assertThat(TestFixtures.history(manager, ALICE)).hasSize(3);
        }

        @Test
        void needsAKeyOfAtLeastSixteenBytes() {
            assertThatThrownBy(() ->
                            TestFixtures.manager().pseudonymKey(new byte[15]).build())
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("pseudonymKey");
        }

        @Test
        void findsNothingForAnUnknownSubject() {
            long sizeBefore = store.size();

            assertThat(manager.erase("nobody", "art17-request")).isEmpty();

            assertThat(store.size()).isEqualTo(sizeBefore);
            assertThat(manager.verify().subjectsChecked()).isEqualTo(2);
            assertThat(manager.check("nobody", "profiling").reason()).isEqualTo(DecisionReason.NOT_OBJECTED);
        }

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", "   ", "art17\nrequest", "tab\there", "nul\u0000", "bell\u0007", "line\u2028sep"})
        void rejectsABadReasonAndErasesNothing(String reason) {
            long sizeBefore = store.size();

            assertThatThrownBy(() -> manager.erase(ALICE, reason))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("reason"));

            assertThat(store.size()).isEqualTo(sizeBefore);
            assertThat(TestFixtures.history(manager, ALICE)).hasSize(3);
            assertThat(manager.check(ALICE, "analytics").reason()).isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void rejectsATooLongReason() {
            assertThatThrownBy(() -> manager.erase(ALICE, "x".repeat(256)))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("reason"));
            assertThat(manager.erase(ALICE, "x".repeat(255))).isPresent();
        }

        @Test
        void namesEveryBadArgument() {
            assertThatThrownBy(() -> manager.erase("bad\u0001id", " "))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactlyInAnyOrder("subject", "reason"));
        }
    }
}
