package dev.consentkit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.CheckpointKey;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.IdempotencyConflictException;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.ObjectionInForceException;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.internal.AppendRequest;
import dev.consentkit.core.internal.AppendResult;
import dev.consentkit.core.internal.ChainWriter;
import dev.consentkit.core.spi.CheckpointLeaf;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.SubjectState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ConsentStore} must show, exercised through {@link ConsentManager}. Subclasses
 * provide a fresh, empty store per test; the JDBC module runs it against H2, PostgreSQL and MariaDB.
 */
public abstract class ConsentStoreContract {

    /** A new store that shares no data with any other test. */
    protected abstract ConsentStore newStore();

    /** Threads and writes per thread for the concurrency test; database stores raise these. */
    protected int concurrentThreads() {
        return 8;
    }

    protected int writesPerThread() {
        return 100;
    }

    protected static final Instant START = Instant.parse("2026-03-01T10:15:30.123456Z");
    protected static final byte[] KEY = "contract-pseudonym-key-0123456789".getBytes(StandardCharsets.UTF_8);

    /** The HMAC key every contract manager signs checkpoints with. */
    protected static final CheckpointKey CHECKPOINT_KEY = CheckpointKey.hmac(
            "contract-checkpoint-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8), "contract-1");

    protected final TestClock clock = TestClock.at(START);
    protected ConsentStore store;
    protected ConsentManager consents;

    protected static final Purpose NEWSLETTER = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .title("Newsletter")
            .validFor(Period.ofMonths(13))
            .directMarketing(true)
            .text(Locale.GERMAN, "Newsletter", "Unser Newsletter")
            .build();
    protected static final Purpose MARKETING = Purpose.builder("marketing")
            .basis(LegalBasis.CONSENT)
            .title("All marketing")
            .build();
    protected static final Purpose ANALYTICS = Purpose.builder("analytics")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Analytics")
            .build();
    protected static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .title("Ad partner")
            .saleOrShare(true)
            .build();
    protected static final Purpose BILLING = Purpose.builder("billing")
            .basis(LegalBasis.CONTRACT)
            .title("Billing")
            .build();

    @BeforeEach
    void setUpManager() {
        store = newStore();
        consents = manager("default");
    }

    protected ConsentManager manager(String tenant) {
        return ConsentManager.builder()
                .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly")
                        .withDefault("monthly"))
                .store(store)
                .clock(clock)
                .tenant(tenant)
                .pseudonymKey(KEY)
                .checkpointKey(CHECKPOINT_KEY)
                .evidencePolicy(EvidencePolicy.builder()
                        .ipAddress(EvidencePolicy.Minimisation.KEEP)
                        .build())
                .build();
    }

    protected static Evidence web() {
        return Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("signup-form-v3")
                .noticeVersion("2026-01")
                .noticeText("notice")
                .locale(Locale.GERMANY)
                .ipAddress("203.0.113.9")
                .userAgent("Mozilla/5.0")
                .comment("line one\nline two")
                .proofReference("ref-1")
                .build();
    }

    @Test
    void entryIdsAmongNamesTheStoredEntriesOnly() {
        ConsentRecord stored =
                consents.record(ConsentCommand.grant("cust-1", "marketing").build());
        java.util.UUID never = java.util.UUID.randomUUID();

        assertThat(store.entryIdsAmong("default", SubjectId.of("cust-1"), List.of(stored.id(), never)))
                .containsExactly(stored.id());
        assertThat(store.entryIdsAmong("other", SubjectId.of("cust-1"), List.of(stored.id())))
                .isEmpty();
    }

    protected List<ConsentRecord> historyOf(String subject) {
        try (Stream<ConsentRecord> s = consents.history(HistoryQuery.forSubject(subject))) {
            return s.toList();
        }
    }

    /**
     * Checkpoints: the store's leaves are each chain's last entry recorded by the bound, ordered by hash; a checkpoint
     * verifies after later writes, erasures and other tenants' writes, and the store keeps it.
     */
    @Nested
    class Checkpoints {

        private List<CheckpointLeaf> leaves(String tenant, Instant until) {
            try (Stream<CheckpointLeaf> s = store.checkpointLeaves(tenant, until)) {
                return s.toList();
            }
        }

        @Test
        void leavesAreEachChainsLastEntryRecordedByTheBoundInHashOrder() {
            ConsentRecord a1 = consents.record(
                    ConsentCommand.grant("cust-a", "marketing.email").build());
            ConsentRecord b1 = consents.record(
                    ConsentCommand.grant("cust-b", "marketing.email").build());
            clock.advance(Duration.ofSeconds(1));
            ConsentRecord a2 = consents.record(
                    ConsentCommand.withdraw("cust-a", "marketing.email").build());
            Instant bound = a2.recordedAt(); // an entry recorded exactly at the bound is covered
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.grant("cust-a", "analytics").build());
            consents.record(ConsentCommand.grant("cust-c", "analytics").build());
            manager("brand-b")
                    .record(ConsentCommand.grant("cust-a", "analytics").build());

            List<CheckpointLeaf> expected = new java.util.ArrayList<>(List.of(
                    new CheckpointLeaf(2, a2.link().hash()),
                    new CheckpointLeaf(1, b1.link().hash())));
            expected.sort(java.util.Comparator.comparing(CheckpointLeaf::hash));

            assertThat(leaves("default", bound)).containsExactlyElementsOf(expected);
            assertThat(leaves("default", a1.recordedAt().minusNanos(1000))).isEmpty();
        }

        @Test
        void aCheckpointVerifiesAfterLaterWritesErasuresAndOtherTenants() {
            consents.record(ConsentCommand.grant("cust-a", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-b", "analytics").build());
            clock.advance(Duration.ofMinutes(1));
            Checkpoint checkpoint = consents.checkpoint();

            consents.record(ConsentCommand.withdraw("cust-a", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-new", "analytics").build());
            consents.erase("cust-b", "request");
            manager("brand-b")
                    .record(ConsentCommand.grant("cust-a", "analytics").build());
            clock.advance(Duration.ofMinutes(1));

            assertThat(checkpoint.chainCount()).isEqualTo(2);
            VerificationReport report = consents.verify(checkpoint);
            assertThat(report.checkpointProblems()).isEmpty();
            assertThat(report.intact()).isTrue();
            assertThat(consents.checkpoint().chainCount()).isEqualTo(3);
        }

        @Test
        void theStoreKeepsItsCheckpointsOldestFirst() {
            consents.record(ConsentCommand.grant("cust-a", "marketing.email").build());
            clock.advance(Duration.ofMinutes(1));
            Checkpoint first = consents.checkpoint();
            clock.advance(Duration.ofMinutes(1));
            Checkpoint second = consents.checkpoint();

            assertThat(store.checkpoints("default")).containsExactly(first, second);
            assertThat(store.checkpoints("brand-b")).isEmpty();
        }
    }

    @Nested
    class Recording {

        @Test
        void recordedStatementRoundTripsExactlyThroughHistoryAndState() {
            ConsentRecord stored = consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(web())
                    .idempotencyKey("k-1")
                    .build());

            assertThat(historyOf("cust-1")).containsExactly(stored);
            assertThat(stored.recordedAt()).isEqualTo(START);
            assertThat(stored.expiresAt()).contains(Instant.parse("2027-04-01T10:15:30.123456Z"));
            assertThat(store.state("default", SubjectId.of("cust-1"))
                            .orElseThrow()
                            .current())
                    .containsEntry(NEWSLETTER.id(), stored);
            assertThat(store.findRecord("default", stored.id())).contains(stored);
        }

        @Test
        void checkFollowsTheLatestStatement() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(web())
                    .build());
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            clock.advance(Duration.ofMinutes(1));
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email")
                    .evidence(web())
                    .build());
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.check("cust-1", "billing").reason()).isEqualTo(DecisionReason.LEGAL_BASIS);
        }

        @Test
        void subjectIdsAreExactCaseAndSpaceSensitive() {
            consents.record(ConsentCommand.grant("Alice", "marketing.email").build());
            consents.record(ConsentCommand.deny("alice", "marketing.email").build());
            consents.record(ConsentCommand.withdraw("alice ", "marketing.email").build());

            assertThat(consents.check("Alice", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.check("alice", "marketing.email").reason()).isEqualTo(DecisionReason.DENIED);
            assertThat(consents.check("alice ", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.check("ALICE", "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);
        }

        @Test
        void sqlMetacharactersAndUnicodeAreStoredVerbatim() {
            String subject = "o'brien\"; DROP TABLE consent_log; -- Zoë 🙂";
            ConsentRecord stored = consents.record(ConsentCommand.grant(subject, "marketing.email")
                    .evidence(Evidence.builder()
                            .source(Source.PHONE)
                            .collectionPoint("it's; --")
                            .actor(Actor.agent("agent'7"))
                            .comment("ä\u00df\" OR 1=1")
                            .build())
                    .build());

            assertThat(historyOf(subject)).containsExactly(stored);
            assertThat(consents.check(subject, "marketing.email").allowed()).isTrue();
        }

        @Test
        void batchIsAllOrNothing() {
            consents.record(ConsentCommand.optOut("cust-2", "marketing.email").build());
            List<ConsentCommand> batch = List.of(
                    ConsentCommand.grant("cust-1", "marketing.email")
                            .idempotencyKey("b-1")
                            .build(),
                    ConsentCommand.grant("cust-3", "analytics").build(),
                    ConsentCommand.grant("cust-2", "marketing.email")
                            .evidence(Evidence.builder()
                                    .source(Source.IMPORT)
                                    .collectionPoint("crm")
                                    .actor(Actor.system("crm-import"))
                                    .build())
                            .build());

            assertThatThrownBy(() -> consents.recordAll(batch)).isInstanceOf(ObjectionInForceException.class);

            assertThat(historyOf("cust-1")).isEmpty();
            assertThat(historyOf("cust-3")).isEmpty();
            assertThat(historyOf("cust-2")).hasSize(1);
            // the key was not kept by the failed batch
            ConsentRecord retried = consents.record(ConsentCommand.deny("cust-1", "marketing.email")
                    .idempotencyKey("b-1")
                    .build());
            assertThat(retried.status()).isEqualTo(ConsentStatus.DENIED);
        }

        @Test
        void batchAppliesInOrderForOneSubject() {
            List<ConsentRecord> written = consents.recordAll(List.of(
                    ConsentCommand.grant("cust-1", "marketing.email").build(),
                    ConsentCommand.withdraw("cust-1", "marketing.email").build(),
                    ConsentCommand.grant("cust-1", "analytics").build()));

            assertThat(written).extracting(r -> r.link().sequence()).containsExactly(1L, 2L, 3L);
            assertThat(historyOf("cust-1")).containsExactlyElementsOf(written);
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        @Test
        void importedOlderStatementDoesNotReplaceANewerOne() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.advance(Duration.ofHours(1));
            ConsentRecord imported = consents.record(ConsentCommand.deny("cust-1", "marketing.email")
                    .effectiveAt(START.minus(Duration.ofDays(30)))
                    .build());

            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.checkAt("cust-1", "marketing.email", START.minus(Duration.ofDays(1)))
                            .record())
                    .contains(imported);
        }

        @Test
        void checkAtAsKnownAtIgnoresLaterKnowledge() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            Instant knownBefore = clock.instant();
            clock.advance(Duration.ofDays(2));
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email")
                    .effectiveAt(START.plus(Duration.ofDays(1)))
                    .build());
            Instant asked = START.plus(Duration.ofDays(1)).plusSeconds(60);

            assertThat(consents.checkAt("cust-1", "marketing.email", asked).reason())
                    .isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.checkAt("cust-1", "marketing.email", asked, knownBefore)
                            .reason())
                    .isEqualTo(DecisionReason.GRANTED);
        }
    }

    /** An idempotency key names one command: a retry of it replays, another command under it is refused. */
    @Nested
    class Idempotency {

        private ConsentCommand grant(String subject, String key) {
            return ConsentCommand.grant(subject, "marketing.email")
                    .evidence(web())
                    .idempotencyKey(key)
                    .build();
        }

        @Test
        void sameKeyAndSameCommandReturnsTheFirstRecordAndWritesNothing() {
            ConsentRecord first = consents.record(grant("cust-1", "form-8812"));
            clock.advance(Duration.ofSeconds(5));

            // a retry, here from another instance of the application
            ConsentRecord second = manager("default").record(grant("cust-1", "form-8812"));

            assertThat(second).isEqualTo(first);
            assertThat(historyOf("cust-1")).containsExactly(first);
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aWithdrawalUnderTheKeyOfAGrantIsAConflictAndWritesNothing() {
            ConsentRecord grant = consents.record(grant("cust-1", "form-8812"));

            assertThatThrownBy(() -> consents.record(ConsentCommand.withdraw("cust-1", "marketing.email")
                            .evidence(web())
                            .idempotencyKey("form-8812")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class)
                    .hasMessageNotContaining("form-8812")
                    .hasMessageNotContaining("cust-1");

            assertThat(historyOf("cust-1")).containsExactly(grant);
            assertThat(consents.check("cust-1", "marketing.email").allowed()).isTrue();
        }

        @Test
        void theKeyOfOneSubjectUsedForAnotherIsAConflictAndStoresNothingForTheOther() {
            consents.record(grant("cust-1", "form-8812"));

            assertThatThrownBy(() -> consents.record(ConsentCommand.optOut("cust-2", "marketing.email")
                            .evidence(web())
                            .idempotencyKey("form-8812")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class)
                    .hasMessageNotContaining("cust-2");

            assertThat(historyOf("cust-2")).isEmpty();
            assertThat(store.state("default", SubjectId.of("cust-2"))).isEmpty();
            assertThat(historyOf("cust-1")).hasSize(1);
        }

        @Test
        void aCommandThatDiffersOnlyInItsEvidenceOrEffectiveTimeIsAConflict() {
            consents.record(grant("cust-1", "form-8812"));

            assertThatThrownBy(() -> consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                            .evidence(Evidence.of(Source.PHONE, "call-centre"))
                            .idempotencyKey("form-8812")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class);
            assertThatThrownBy(() -> consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                            .evidence(web())
                            .effectiveAt(START.minus(Duration.ofDays(1)))
                            .idempotencyKey("form-8812")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class);
            assertThat(historyOf("cust-1")).hasSize(1);
        }

        @Test
        void oneKeyOnTwoSubjectsInOneBatchIsRefusedBeforeAnythingIsWritten() {
            assertThatThrownBy(() -> consents.recordAll(List.of(grant("cust-1", "b-1"), grant("cust-2", "b-1"))))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("commands[1].idempotencyKey"));

            assertThat(historyOf("cust-1")).isEmpty();
            assertThat(historyOf("cust-2")).isEmpty();
        }

        @Test
        void theSameCommandTwiceWithOneKeyInOneBatchIsRefusedToo() {
            assertThatThrownBy(() -> consents.recordAll(List.of(grant("cust-1", "b-1"), grant("cust-1", "b-1"))))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("commands[1].idempotencyKey"));

            assertThat(historyOf("cust-1")).isEmpty();
        }

        @Test
        void aConflictInABatchWritesNothingOfTheBatchAndCallsNoListener() {
            consents.record(grant("cust-1", "form-8812"));
            List<AuditEntry> published = new ArrayList<>();
            ConsentManager listened = ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .store(store)
                    .clock(clock)
                    .tenant("default")
                    .pseudonymKey(KEY)
                    .evidencePolicy(EvidencePolicy.builder()
                            .ipAddress(EvidencePolicy.Minimisation.KEEP)
                            .build())
                    .listener(published::add)
                    .build();

            assertThatThrownBy(() -> listened.recordAll(List.of(
                            grant("cust-3", "form-9000"),
                            ConsentCommand.withdraw("cust-1", "marketing.email")
                                    .evidence(web())
                                    .idempotencyKey("form-8812")
                                    .build())))
                    .isInstanceOf(IdempotencyConflictException.class);

            assertThat(published).isEmpty();
            assertThat(historyOf("cust-3")).isEmpty();
            assertThat(historyOf("cust-1")).hasSize(1);
            // the refused batch kept no key: form-9000 is free for any command
            ConsentRecord later = listened.record(ConsentCommand.deny("cust-3", "marketing.email")
                    .idempotencyKey("form-9000")
                    .build());
            assertThat(later.status()).isEqualTo(ConsentStatus.DENIED);
            assertThat(published).containsExactly(later);
        }

        @Test
        void aCommandWithoutAKeyGetsAGeneratedOneAndEveryOneIsWritten() {
            ConsentRecord first = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            ConsentRecord second = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(first.idempotencyKey())
                    .hasValueSatisfying(k -> assertThat(k).startsWith("ck:"));
            assertThat(second.idempotencyKey()).isPresent().isNotEqualTo(first.idempotencyKey());
            assertThat(historyOf("cust-1")).containsExactly(first, second);
            assertThat(consents.verify().intact()).isTrue();
        }
    }

    @Nested
    class Reading {

        @Test
        void parentStatementCoversChildUntilAChildStatementIsNewer() {
            consents.record(ConsentCommand.grant("cust-1", "marketing").build());
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.deny("cust-1", "marketing.email").build());

            assertThat(consents.stateOf("cust-1").decisions())
                    .hasEntrySatisfying(
                            NEWSLETTER.id(), d -> assertThat(d.reason()).isEqualTo(DecisionReason.DENIED))
                    .hasEntrySatisfying(
                            MARKETING.id(), d -> assertThat(d.reason()).isEqualTo(DecisionReason.GRANTED))
                    .hasEntrySatisfying(
                            ANALYTICS.id(), d -> assertThat(d.reason()).isEqualTo(DecisionReason.NOT_OBJECTED));
        }

        @Test
        void allowedAnswersAsCheckDoesOnEveryBasisThroughHierarchyExpiryAndErasure() {
            consents.record(ConsentCommand.grant("cust-a", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.deny("cust-b", "marketing.email").build());
            consents.record(ConsentCommand.optOut("cust-c", "analytics").build());
            consents.record(ConsentCommand.grant("cust-d", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-e", "marketing.email").build());
            consents.erase("cust-e", "art17-request");
            List<String> subjects = List.of("cust-a", "cust-b", "cust-c", "cust-d", "cust-e", "never-seen");
            List<String> purposes = List.of("marketing.email", "marketing", "analytics", "ads.sale", "billing");

            assertThat(consents.allowed("cust-a", "marketing.email")).isTrue(); // the parent's grant covers it
            assertThat(consents.allowed("cust-b", "marketing.email")).isFalse();
            assertThat(consents.allowed("cust-c", "analytics")).isFalse();
            assertThat(consents.allowed("cust-d", "marketing.email")).isTrue();
            assertThat(consents.allowed("cust-e", "billing")).isFalse(); // erased: denied on every basis
            assertThat(consents.allowed("never-seen", "billing")).isTrue();
            for (Instant at : List.of(
                    clock.instant(),
                    // the newsletter grant lapses after 13 months: just before, on and after its expiry
                    clock.instant()
                            .atZone(ZoneOffset.UTC)
                            .plusMonths(13)
                            .toInstant()
                            .minusNanos(1_000),
                    clock.instant().atZone(ZoneOffset.UTC).plusMonths(13).toInstant(),
                    clock.instant()
                            .atZone(ZoneOffset.UTC)
                            .plusMonths(13)
                            .toInstant()
                            .plusNanos(1_000))) {
                clock.set(at);
                for (String s : subjects) {
                    for (String p : purposes) {
                        assertThat(consents.allowed(s, p))
                                .as("allowed(%s, %s) at %s", s, p, at)
                                .isEqualTo(consents.check(s, p).allowed())
                                .isEqualTo(consents.allowed(SubjectId.of(s), PurposeId.of(p)));
                    }
                }
            }
            assertThat(consents.allowed("cust-d", "marketing.email")).isFalse(); // expired
        }

        @Test
        void filterAllowedAnswersForThousandsOfCandidatesInOrder() {
            List<ConsentCommand> grants = new ArrayList<>();
            for (int i = 0; i < 2500; i += 3) {
                grants.add(ConsentCommand.grant("c-" + i, "marketing.email").build());
            }
            consents.recordAll(grants);
            consents.record(ConsentCommand.withdraw("c-3", "marketing.email").build());
            List<String> candidates =
                    IntStream.range(0, 2500).mapToObj(i -> "c-" + i).toList();

            Set<SubjectId> allowed = consents.filterAllowed("marketing.email", candidates);

            assertThat(allowed)
                    .hasSize(grants.size() - 1)
                    .doesNotContain(SubjectId.of("c-3"), SubjectId.of("c-1"))
                    .contains(SubjectId.of("c-0"), SubjectId.of("c-2499"));
            assertThat(allowed.stream().map(SubjectId::value).toList())
                    .isSortedAccordingTo((a, b) ->
                            Integer.compare(Integer.parseInt(a.substring(2)), Integer.parseInt(b.substring(2))));
            assertThat(consents.filterAllowed("analytics", List.of("c-1", "nobody")))
                    .hasSize(2);
        }

        @Test
        void recordInForceIsTheLatestByEffectiveTimeThenSequenceAmongThePurposesAsked() {
            String tenant = consents.tenant();
            SubjectId cust = SubjectId.of("cust-1");
            List<PurposeId> cover = List.of(NEWSLETTER.id(), MARKETING.id());
            assertThat(store.recordInForce(tenant, cust, cover)).isEmpty();

            ConsentRecord parent =
                    consents.record(ConsentCommand.grant("cust-1", "marketing").build());
            assertThat(store.recordInForce(tenant, cust, cover)).contains(parent);
            clock.advance(Duration.ofSeconds(1));
            ConsentRecord child = consents.record(
                    ConsentCommand.deny("cust-1", "marketing.email").build());
            assertThat(store.recordInForce(tenant, cust, cover)).contains(child);
            assertThat(store.recordInForce(tenant, cust, List.of(MARKETING.id())))
                    .contains(parent);
            // an import that took effect before the child's record is appended later, and still does not decide
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.grant("cust-1", "marketing")
                    .effectiveAt(START.plusMillis(500))
                    .build());
            assertThat(store.recordInForce(tenant, cust, cover)).contains(child);
            // the same effective time on both purposes: the later in the chain decides
            clock.advance(Duration.ofSeconds(1));
            List<ConsentRecord> same = consents.recordAll(List.of(
                    ConsentCommand.withdraw("cust-1", "marketing.email")
                            .effectiveAt(clock.instant())
                            .build(),
                    ConsentCommand.grant("cust-1", "marketing")
                            .effectiveAt(clock.instant())
                            .build()));
            assertThat(same.get(0).effectiveAt()).isEqualTo(same.get(1).effectiveAt());
            assertThat(store.recordInForce(tenant, cust, cover)).contains(same.get(1));
            assertThat(consents.check("cust-1", "marketing.email").record()).contains(same.get(1));
            assertThat(store.recordInForce(tenant, cust, List.of(ANALYTICS.id())))
                    .isEmpty();
            assertThat(store.recordInForce(tenant, SubjectId.of("nobody"), cover))
                    .isEmpty();
            assertThat(store.recordInForce("other-tenant", cust, cover)).isEmpty();

            consents.erase("cust-1", "request");
            assertThat(store.recordInForce(tenant, cust, cover)).isEmpty();
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.ERASED);
        }

        @Test
        void currentRecordsOfManySubjectsAreNarrowedToThePurposesAsked() {
            ConsentRecord parent =
                    consents.record(ConsentCommand.grant("cust-1", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            ConsentRecord child = consents.record(
                    ConsentCommand.deny("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-1", "analytics").build());
            consents.record(ConsentCommand.optOut("cust-2", "analytics").build());
            List<SubjectId> subjects =
                    new ArrayList<>(List.of(SubjectId.of("cust-1"), SubjectId.of("cust-2"), SubjectId.of("nobody")));
            for (int i = 0; i < 1500; i++) {
                subjects.add(SubjectId.of("absent-" + i)); // more than one IN-list chunk where arrays are missing
            }

            Map<SubjectId, Map<PurposeId, ConsentRecord>> read =
                    store.currentRecords(consents.tenant(), subjects, List.of(NEWSLETTER.id(), MARKETING.id()));

            assertThat(read).containsOnlyKeys(SubjectId.of("cust-1"));
            assertThat(read.get(SubjectId.of("cust-1")))
                    .containsOnly(Map.entry(MARKETING.id(), parent), Map.entry(NEWSLETTER.id(), child));
            assertThat(store.currentRecords(
                            consents.tenant(), List.of(SubjectId.of("cust-2")), List.of(ANALYTICS.id())))
                    .containsOnlyKeys(SubjectId.of("cust-2"));
            assertThat(consents.filterAllowed("marketing.email", List.of("cust-1", "cust-2")))
                    .isEmpty();
            assertThat(consents.filterAllowed("analytics", List.of("cust-1", "cust-2", "nobody")))
                    .containsExactly(SubjectId.of("cust-1"), SubjectId.of("nobody"));
        }

        @Test
        void historyFiltersByPurposeAndTimeRangeInAppendOrder() {
            ConsentRecord a = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.advance(Duration.ofMinutes(1));
            ConsentRecord b =
                    consents.record(ConsentCommand.grant("cust-2", "analytics").build());
            clock.advance(Duration.ofMinutes(1));
            ConsentRecord c = consents.record(
                    ConsentCommand.withdraw("cust-1", "marketing.email").build());

            try (Stream<ConsentRecord> all = consents.history(HistoryQuery.all())) {
                assertThat(all).containsExactly(a, b, c);
            }
            try (Stream<ConsentRecord> byPurpose = consents.history(
                    HistoryQuery.builder().purpose("marketing.email").build())) {
                assertThat(byPurpose).containsExactly(a, c);
            }
            try (Stream<ConsentRecord> window = consents.history(HistoryQuery.builder()
                    .recordedFrom(START.plusSeconds(30))
                    .recordedTo(START.plusSeconds(120))
                    .build())) {
                assertThat(window).containsExactly(b);
            }
        }

        @Test
        void tenantsDoNotSeeEachOther() {
            ConsentManager brandB = manager("brand-b");
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(brandB.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);
            try (Stream<ConsentRecord> s = brandB.history(HistoryQuery.all())) {
                assertThat(s).isEmpty();
            }
            assertThat(brandB.verify().recordsChecked()).isZero();
        }

        @Test
        void unknownSubjectHasNoState() {
            assertThat(store.state("default", SubjectId.of("nobody"))).isEmpty();
            assertThat(store.head("default", SubjectId.of("nobody"))).isEmpty();
            assertThat(store.preferences("default", SubjectId.of("nobody"))).isEmpty();
        }
    }

    @Nested
    class Audiences {

        private List<String> allowed(ConsentManager manager, String purpose) {
            try (Stream<SubjectId> s = manager.allowedSubjects(purpose)) {
                return s.map(SubjectId::value).toList();
            }
        }

        @Test
        void aGrantOnTheParentCoversTheChildUntilANewerWithdrawalOnTheChild() {
            consents.record(ConsentCommand.grant("a", "marketing").build());
            consents.record(ConsentCommand.grant("b", "marketing").build());
            consents.record(ConsentCommand.grant("c", "marketing.email").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.withdraw("b", "marketing.email").build());

            assertThat(allowed(consents, "marketing.email")).containsExactly("a", "c");
            assertThat(allowed(consents, "marketing")).containsExactly("a", "b");
        }

        @Test
        void aNewerGrantOnTheChildWinsOverAWithdrawalOnTheParent() {
            consents.record(ConsentCommand.grant("a", "marketing").build());
            consents.record(ConsentCommand.grant("b", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.withdraw("a", "marketing").build());
            consents.record(ConsentCommand.withdraw("b", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.grant("b", "marketing.email").build());

            assertThat(allowed(consents, "marketing.email")).containsExactly("b");
            assertThat(allowed(consents, "marketing")).isEmpty();
        }

        @Test
        void aLapsedGrantLeavesTheAudienceWhenTheClockPassesItsExpiry() {
            consents.record(ConsentCommand.grant("early", "marketing.email").build());
            clock.advance(Duration.ofDays(60));
            consents.record(ConsentCommand.grant("late", "marketing.email").build());

            assertThat(allowed(consents, "marketing.email")).containsExactly("early", "late");
            clock.advance(Duration.ofDays(13 * 31 - 60));
            assertThat(consents.check("early", "marketing.email").reason()).isEqualTo(DecisionReason.EXPIRED);
            assertThat(allowed(consents, "marketing.email")).containsExactly("late");
        }

        @Test
        void grantsBelowTheReconsentVersionAndPendingGrantsAreNotInTheAudience() {
            Purpose v1 = Purpose.builder("profiling").basis(LegalBasis.CONSENT).build();
            Purpose v2 = Purpose.builder("profiling")
                    .version(2)
                    .basis(LegalBasis.CONSENT)
                    .reconsentFromVersion(2)
                    .build();
            ConsentManager versioned = ConsentManager.builder()
                    .purposes(v1, v2)
                    .store(store)
                    .clock(clock)
                    .pseudonymKey(KEY)
                    .build();
            versioned.record(
                    ConsentCommand.grant("old", "profiling").purposeVersion(1).build());
            versioned.record(ConsentCommand.grant("new", "profiling").build());
            versioned.record(ConsentCommand.grant("waiting", "profiling")
                    .pendingConfirmation(true)
                    .build());

            assertThat(versioned.check("old", "profiling").reason()).isEqualTo(DecisionReason.RECONSENT_REQUIRED);
            assertThat(allowed(versioned, "profiling")).containsExactly("new");
        }

        @Test
        void legitimateInterestsListEveryKnownSubjectWithoutAnObjectionInForce() {
            consents.record(ConsentCommand.grant("granted", "analytics").build());
            consents.record(ConsentCommand.optOut("objected", "analytics").build());
            consents.record(ConsentCommand.grant("elsewhere", "marketing").build());
            consents.setPreference("prefs-only", "newsletter.frequency", "weekly", web());
            consents.record(ConsentCommand.optOut("changed-mind", "analytics").build());
            clock.advance(Duration.ofSeconds(1));
            consents.record(ConsentCommand.grant("changed-mind", "analytics").build());

            assertThat(allowed(consents, "analytics"))
                    .containsExactly("changed-mind", "elsewhere", "granted", "prefs-only");
        }

        @Test
        void aBasisIndependentOfChoiceListsEveryKnownSubject() {
            consents.record(ConsentCommand.deny("a", "marketing").build());
            consents.record(ConsentCommand.optOut("b", "analytics").build());

            assertThat(allowed(consents, "billing")).containsExactly("a", "b");
        }

        @Test
        void erasedSubjectsAndOtherTenantsAreNeverInTheAudience() {
            consents.record(ConsentCommand.grant("kept", "marketing.email").build());
            consents.record(ConsentCommand.grant("gone", "marketing.email").build());
            consents.record(ConsentCommand.grant("gone", "analytics").build());
            consents.erase("gone", "art17-request");
            ConsentManager brandB = manager("brand-b");
            brandB.record(ConsentCommand.grant("other", "marketing.email").build());
            brandB.record(ConsentCommand.grant("other", "analytics").build());

            assertThat(allowed(consents, "marketing.email")).containsExactly("kept");
            assertThat(allowed(consents, "analytics")).containsExactly("kept");
            assertThat(allowed(consents, "billing")).containsExactly("kept");
            assertThat(allowed(brandB, "marketing.email")).containsExactly("other");
        }

        @Test
        void theAudienceStreamsManySubjectsOnceEachInIdOrder() {
            List<ConsentCommand> grants = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                grants.add(
                        ConsentCommand.grant(String.format("s-%04d", i), i % 2 == 0 ? "marketing" : "marketing.email")
                                .build());
            }
            consents.recordAll(grants);
            List<String> audience = allowed(consents, "marketing.email");

            assertThat(audience).hasSize(1500).doesNotHaveDuplicates().isSorted();
            try (Stream<SubjectId> s = consents.allowedSubjects(PurposeId.of("marketing.email"))) {
                assertThat(s.limit(3).map(SubjectId::value)).containsExactly("s-0000", "s-0001", "s-0002");
            }
        }

        @Test
        void theAudienceIsEverySubjectACheckAllows() {
            java.util.Random random = new java.util.Random(20261203L);
            List<String> purposeNames = List.of("marketing.email", "marketing", "analytics", "ads.sale", "billing");
            ConsentStatus[] statuses = {
                ConsentStatus.GRANTED, ConsentStatus.DENIED, ConsentStatus.WITHDRAWN, ConsentStatus.OPTED_OUT
            };
            List<String> subjects =
                    IntStream.range(0, 60).mapToObj(i -> "r-" + i).toList();
            for (int round = 0; round < 4; round++) {
                List<ConsentCommand> batch = new ArrayList<>();
                for (String subject : subjects) {
                    if (random.nextInt(3) == 0) {
                        continue;
                    }
                    String purpose = purposeNames.get(random.nextInt(4));
                    ConsentStatus status = statuses[random.nextInt(statuses.length)];
                    ConsentCommand.Builder command = switch (status) {
                        case GRANTED ->
                            ConsentCommand.grant(subject, purpose).pendingConfirmation(random.nextInt(6) == 0);
                        case DENIED -> ConsentCommand.deny(subject, purpose);
                        case WITHDRAWN -> ConsentCommand.withdraw(subject, purpose);
                        default -> ConsentCommand.optOut(subject, purpose);
                    };
                    if (random.nextInt(5) == 0) {
                        command.effectiveAt(clock.instant().minus(Duration.ofDays(random.nextInt(400))));
                    }
                    batch.add(command.build());
                }
                try {
                    consents.recordAll(batch);
                } catch (ObjectionInForceException e) {
                    batch.forEach(c -> {
                        try {
                            consents.record(c);
                        } catch (ObjectionInForceException refused) {
                            // a grant that may not lift a direct-marketing objection: the rules refuse it
                        }
                    });
                }
                clock.advance(Duration.ofDays(100));
            }
            consents.erase("r-7", "art17-request");
            consents.erase("r-8", "art17-request");

            for (String purpose : purposeNames) {
                List<String> expected = subjects.stream()
                        .filter(s -> !historyOf(s).isEmpty())
                        .filter(s -> consents.check(s, purpose).allowed())
                        .toList();
                assertThat(allowed(consents, purpose))
                        .as(purpose)
                        .doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    @Nested
    class Flows {

        @Test
        void doubleOptInConfirmationGrants() {
            ConsentRecord pending = consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .pendingConfirmation(true)
                    .build());
            assertThat(consents.check("cust-1", "marketing.email").reason())
                    .isEqualTo(DecisionReason.PENDING_CONFIRMATION);

            ConsentRecord granted = consents.confirm(pending.id().toString());

            assertThat(granted.status()).isEqualTo(ConsentStatus.GRANTED);
            assertThat(consents.check("cust-1", "marketing.email").record()).contains(granted);
        }

        @Test
        void writesThatReadSomePurposesOnlyKeepEveryOtherRecordAndTheStateVerifies() {
            ConsentRecord analytics =
                    consents.record(ConsentCommand.grant("cust-1", "analytics").build());
            ConsentRecord parent =
                    consents.record(ConsentCommand.grant("cust-1", "marketing").build());
            clock.advance(Duration.ofSeconds(1));
            // the subject objects to the newsletter (direct marketing)
            consents.record(ConsentCommand.optOut("cust-1", "marketing.email").build());
            consents.setPreference("cust-1", "newsletter.frequency", "weekly", web());
            ConsentRecord pending = consents.record(ConsentCommand.grant("cust-1", "billing")
                    .pendingConfirmation(true)
                    .build());
            consents.confirm(pending.id().toString());
            consents.applyGlobalPrivacyControl("cust-1", web());
            // a grant on the parent by a system covers the newsletter under objection: refused, so the write had
            // to read the covered purpose's record although it writes the parent's
            assertThatThrownBy(() -> consents.record(ConsentCommand.grant("cust-1", "marketing")
                            .evidence(Evidence.builder()
                                    .source(Source.IMPORT)
                                    .collectionPoint("crm")
                                    .actor(Actor.system("crm-import"))
                                    .build())
                            .build()))
                    .isInstanceOf(ObjectionInForceException.class);
            clock.advance(Duration.ofSeconds(1));
            ConsentRecord again = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());

            SubjectState state = store.state("default", SubjectId.of("cust-1")).orElseThrow();
            assertThat(state.current())
                    .containsEntry(ANALYTICS.id(), analytics)
                    .containsEntry(MARKETING.id(), parent)
                    .containsEntry(NEWSLETTER.id(), again)
                    .containsKeys(BILLING.id(), AD_SALE.id())
                    .hasSize(5);
            assertThat(state.headRecordedAt()).contains(again.recordedAt());
            assertThat(consents.check("cust-1", "ads.sale").reason()).isEqualTo(DecisionReason.OPTED_OUT);
            assertThat(consents.preference("cust-1", "newsletter.frequency")).contains("weekly");
            assertThat(store.verify("default", Optional.empty()).intact()).isTrue();
        }

        @Test
        void repeatedGlobalPrivacyControlWritesNothing() {
            consents.record(ConsentCommand.grant("cust-1", "ads.sale").build());
            List<ConsentRecord> first = consents.applyGlobalPrivacyControl("cust-1", web());
            List<ConsentRecord> second = consents.applyGlobalPrivacyControl("cust-1", web());

            assertThat(first).singleElement().satisfies(r -> {
                assertThat(r.conflict()).isTrue();
                assertThat(r.evidence().source()).isEqualTo(Source.GPC_SIGNAL);
            });
            assertThat(second).isEmpty();
            assertThat(historyOf("cust-1")).hasSize(2);
        }

        @Test
        void preferencesAreKeptAndAudited() {
            assertThat(consents.preference("cust-1", "newsletter.frequency")).contains("monthly");
            PreferenceRecord set = consents.setPreference("cust-1", "newsletter.frequency", "weekly", web());

            assertThat(consents.preference("cust-1", "newsletter.frequency")).contains("weekly");
            assertThat(store.preferences("default", SubjectId.of("cust-1"))).containsEntry("newsletter.frequency", set);
            try (Stream<AuditEntry> trail = consents.auditTrail(HistoryQuery.forSubject("cust-1"))) {
                assertThat(trail).containsExactly(set);
            }
        }

        @Test
        void erasureRemovesPersonalDataAndTheChainStillVerifies() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(web())
                    .idempotencyKey("e-1")
                    .build());
            consents.setPreference("cust-1", "newsletter.frequency", "weekly", web());
            consents.record(ConsentCommand.grant("cust-2", "marketing.email")
                    .evidence(web())
                    .build());

            Optional<ErasureRecord> erasure = consents.erase("cust-1", "art17-request");

            assertThat(erasure).isPresent();
            assertThat(erasure.get().subject().value()).startsWith("erased-");
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(consents.check("cust-1", "billing").reason()).isEqualTo(DecisionReason.ERASED);
            assertThat(consents.filterAllowed("analytics", List.of("cust-1", "cust-2")))
                    .containsExactly(SubjectId.of("cust-2"));
            assertThat(consents.filterAllowed(
                            "analytics", List.of(erasure.get().subject().value())))
                    .isEmpty();
            assertThat(historyOf("cust-1")).isEmpty();
            try (Stream<AuditEntry> trail = consents.auditTrail(HistoryQuery.all())) {
                List<AuditEntry> entries = trail.toList();
                assertThat(entries)
                        .hasSize(4)
                        .noneMatch(e -> e.subject().value().equals("cust-1"));
                assertThat(entries)
                        .filteredOn(e -> e.subject().equals(erasure.get().subject()))
                        .hasSize(3)
                        .allSatisfy(e -> {
                            if (e instanceof ConsentRecord r) {
                                assertThat(r.evidence().ipAddress()).isEmpty();
                                assertThat(r.evidence().userAgent()).isEmpty();
                                assertThat(r.evidence().comment()).isEmpty();
                                assertThat(r.idempotencyKey()).isEmpty();
                            }
                        });
            }
            assertThat(consents.check(erasure.get().subject().value(), "marketing.email")
                            .reason())
                    .isEqualTo(DecisionReason.ERASED);
            VerificationReport report = consents.verify();
            assertThat(report.intact()).isTrue();
            assertThat(report.subjectsChecked()).isEqualTo(2);
            assertThat(report.recordsChecked()).isEqualTo(4);
        }
    }

    @Nested
    class ErasureRace {

        @Test
        void aWriteThatArrivesAfterTheErasureSeesAnErasedSubjectAndStoresNothing() {
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            SubjectId pseudonym =
                    consents.erase("cust-1", "art17-request").orElseThrow().subject();
            List<SubjectState> seen = new ArrayList<>();

            AppendResult result = new ChainWriter(store)
                    .append(new AppendRequest(
                            "default", SubjectId.of("cust-1"), Optional.empty(), Optional.of(pseudonym), state -> {
                                seen.add(state);
                                return List.of();
                            }));

            assertThat(seen)
                    .singleElement()
                    .satisfies(s -> assertThat(s.erased()).isTrue());
            assertThat(result.entries()).isEmpty();
            assertThat(store.state("default", SubjectId.of("cust-1"))).isEmpty();
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aWriteWithoutPseudonymForANewSubjectIsNotTreatedAsErased() {
            List<SubjectState> seen = new ArrayList<>();
            new ChainWriter(store)
                    .append(new AppendRequest("default", SubjectId.of("cust-9"), Optional.empty(), state -> {
                        seen.add(state);
                        return List.of();
                    }));
            assertThat(seen)
                    .singleElement()
                    .satisfies(s -> assertThat(s.erased()).isFalse());
        }
    }

    /**
     * Several application instances share a store and their clocks differ: the chain's order is the order of the
     * decisions, so what a subject said last decides, whatever the writers' clocks say.
     */
    @Nested
    class ClockSkew {

        private ConsentManager managerWith(TestClock c) {
            return ConsentManager.builder()
                    .purposes(NEWSLETTER, MARKETING, ANALYTICS, AD_SALE, BILLING)
                    .preferences(PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly")
                            .withDefault("monthly"))
                    .store(store)
                    .clock(c)
                    .tenant("default")
                    .pseudonymKey(KEY)
                    .build();
        }

        @Test
        void aWithdrawalOnASlowerInstanceAfterAGrantOnAFastOneWins() {
            TestClock fast = TestClock.at(START.plusSeconds(2));
            ConsentManager fastManager = managerWith(fast);

            ConsentRecord grant = fastManager.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.advance(Duration.ofMillis(500));
            fast.advance(Duration.ofMillis(500));
            ConsentRecord withdrawal = consents.record(
                    ConsentCommand.withdraw("cust-1", "marketing.email").build());
            clock.advance(Duration.ofMillis(2500));
            fast.advance(Duration.ofMillis(2500));

            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(fastManager.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.filterAllowed("marketing.email", List.of("cust-1")))
                    .isEmpty();
            assertThat(fastManager.filterAllowed("marketing.email", List.of("cust-1")))
                    .isEmpty();
            // the withdrawal was moved after the grant on the chain's time line, by 1 µs, and takes effect then
            assertThat(withdrawal.recordedAt()).isEqualTo(grant.recordedAt().plus(1, ChronoUnit.MICROS));
            assertThat(withdrawal.effectiveAt()).isEqualTo(withdrawal.recordedAt());
            assertThat(historyOf("cust-1")).containsExactly(grant, withdrawal);
            assertThat(consents.verify().brokenChains()).isEmpty();
            // checkAt reads the same time line: withdrawn now, granted between the two, and the auditor's view
            // as known before the withdrawal was recorded still shows the grant
            assertThat(consents.checkAt("cust-1", "marketing.email", clock.instant())
                            .reason())
                    .isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.checkAt("cust-1", "marketing.email", grant.effectiveAt())
                            .reason())
                    .isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.checkAt("cust-1", "marketing.email", clock.instant(), grant.recordedAt())
                            .reason())
                    .isEqualTo(DecisionReason.GRANTED);
        }

        @Test
        void aClockSteppedBackBetweenAGrantAndAWithdrawalDoesNotBringTheGrantBack() {
            ConsentRecord grant = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.set(START.minusSeconds(60));
            ConsentRecord withdrawal = consents.record(
                    ConsentCommand.withdraw("cust-1", "marketing.email").build());

            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.filterAllowed("marketing.email", List.of("cust-1")))
                    .isEmpty();
            clock.set(START.plusSeconds(1));
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(consents.filterAllowed("marketing.email", List.of("cust-1")))
                    .isEmpty();
            assertThat(consents.checkAt("cust-1", "marketing.email", clock.instant())
                            .reason())
                    .isEqualTo(DecisionReason.WITHDRAWN);
            assertThat(withdrawal.recordedAt()).isAfter(grant.recordedAt());
            assertThat(consents.verify().brokenChains()).isEmpty();
        }

        @Test
        void sequenceAndRecordedTimeStrictlyIncreaseAlongEveryChainWhateverTheClocks() {
            TestClock fast = TestClock.at(START.plusSeconds(30));
            ConsentManager fastManager = managerWith(fast);
            List<ConsentManager> writers = List.of(consents, fastManager);
            for (int i = 0; i < 12; i++) {
                ConsentManager m = writers.get(i % 2);
                String subject = "s-" + (i % 3);
                if (i % 4 == 3) {
                    m.setPreference(subject, "newsletter.frequency", i % 8 == 3 ? "weekly" : "monthly", web());
                } else {
                    m.recordAll(List.of(
                            ConsentCommand.grant(subject, "marketing.email").build(),
                            ConsentCommand.withdraw(subject, "analytics").build()));
                }
                if (i == 6) {
                    clock.set(START.minusSeconds(600)); // and one clock steps back
                }
            }
            consents.erase("s-0", "art17-request");

            try (Stream<AuditEntry> all =
                    store.history("default", HistoryQuery.builder().build())) {
                Map<SubjectId, List<AuditEntry>> chains =
                        all.collect(Collectors.groupingBy(AuditEntry::subject, Collectors.toList()));
                assertThat(chains).hasSize(3);
                chains.values().forEach(chain -> {
                    for (int i = 1; i < chain.size(); i++) {
                        assertThat(chain.get(i).link().sequence())
                                .isEqualTo(chain.get(i - 1).link().sequence() + 1);
                        assertThat(chain.get(i).recordedAt())
                                .isAfter(chain.get(i - 1).recordedAt());
                    }
                });
            }
            assertThat(consents.verify().brokenChains()).isEmpty();
            // the last thing each remaining subject said decides
            assertThat(consents.check("s-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.check("s-1", "analytics").reason()).isEqualTo(DecisionReason.WITHDRAWN);
        }

        @Test
        void aBackdatedImportOnAFastInstanceStillDoesNotSupersedeALaterRecord() {
            TestClock fast = TestClock.at(START.plusSeconds(2));
            ConsentManager fastManager = managerWith(fast);
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            ConsentRecord imported = fastManager.record(ConsentCommand.deny("cust-1", "marketing.email")
                    .effectiveAt(START.minus(Duration.ofDays(30)))
                    .build());

            assertThat(imported.effectiveAt()).isEqualTo(START.minus(Duration.ofDays(30)));
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.checkAt("cust-1", "marketing.email", START.minus(Duration.ofDays(1)))
                            .record())
                    .contains(imported);

            // and one imported on a slow instance after a grant on a fast one keeps its own effective time too
            clock.advance(Duration.ofSeconds(1));
            ConsentRecord fastGrant = fastManager.record(
                    ConsentCommand.grant("cust-2", "marketing.email").build());
            ConsentRecord slowImport = consents.record(ConsentCommand.deny("cust-2", "marketing.email")
                    .effectiveAt(START.minusSeconds(10))
                    .build());
            assertThat(slowImport.effectiveAt()).isEqualTo(START.minusSeconds(10));
            assertThat(slowImport.recordedAt()).isAfter(fastGrant.recordedAt());
            assertThat(consents.check("cust-2", "marketing.email").record()).contains(fastGrant);
            assertThat(consents.verify().brokenChains()).isEmpty();
        }

        @Test
        void aCorrectedGrantLapsesAfterItsValidityFromTheCorrectedEffectiveTime() {
            TestClock fast = TestClock.at(START.plusSeconds(2));
            managerWith(fast)
                    .record(ConsentCommand.deny("cust-1", "marketing.email").build());
            ConsentRecord grant = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());

            assertThat(grant.effectiveAt()).isAfter(START.plusSeconds(2));
            assertThat(grant.expiresAt())
                    .contains(grant.effectiveAt()
                            .atZone(ZoneOffset.UTC)
                            .plus(Period.ofMonths(13))
                            .toInstant());
            assertThat(consents.verify().brokenChains()).isEmpty();
        }
    }

    @Nested
    class TextThatCannotBeStoredFaithfully {

        /** A high surrogate without its low half: ill-formed UTF-16 that no driver stores as given. */
        static final String LONE_HIGH = "\uD801";

        private long entries() {
            try (Stream<AuditEntry> all = consents.auditTrail(HistoryQuery.all())) {
                return all.count();
            }
        }

        private void assertRefusedNaming(String field, Runnable call) {
            long before = entries();
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).contains(field));
            assertThat(entries()).as("nothing written").isEqualTo(before);
        }

        private Runnable grantWith(Evidence.Builder evidence) {
            return () -> consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(evidence.build())
                    .build());
        }

        @Test
        void aSubjectIdWithAnUnpairedSurrogateIsRefusedAndNeverSharesAnotherSubjectsChain() {
            consents.record(ConsentCommand.grant("sur?q", "marketing.email").build());

            assertRefusedNaming(
                    "subject",
                    () -> consents.record(ConsentCommand.withdraw("sur" + LONE_HIGH + "q", "marketing.email")
                            .build()));
            assertRefusedNaming(
                    "subject",
                    () -> consents.record(ConsentCommand.grant("mallory\uD800", "marketing.email")
                            .build()));
            assertRefusedNaming(
                    "subject",
                    () -> consents.record(ConsentCommand.grant("\uDC00mallory", "marketing.email")
                            .build()));

            assertThat(historyOf("sur?q"))
                    .singleElement()
                    .satisfies(r -> assertThat(r.status()).isEqualTo(ConsentStatus.GRANTED));
            assertThat(consents.check("sur?q", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThat(consents.check("malloryc", "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void aSurrogatePairIsWellFormedAndStoredVerbatim() {
            String subject = "emoji-\uD83D\uDE42";
            ConsentRecord stored = consents.record(ConsentCommand.grant(subject, "marketing.email")
                    .evidence(web().toBuilder()
                            .collectionPoint("form-\uD83D\uDE42")
                            .build())
                    .build());

            assertThat(historyOf(subject)).containsExactly(stored);
            assertThat(consents.verify().intact()).isTrue();
        }

        @Test
        void everyEvidenceFieldWithAnUnpairedSurrogateIsRefusedNamingTheField() {
            String bad = "x" + LONE_HIGH;
            assertRefusedNaming(
                    "evidence.collectionPoint", grantWith(web().toBuilder().collectionPoint(bad)));
            assertRefusedNaming(
                    "evidence.noticeVersion", grantWith(web().toBuilder().noticeVersion(bad)));
            assertRefusedNaming(
                    "evidence.userAgent", grantWith(web().toBuilder().userAgent(bad)));
            assertRefusedNaming("evidence.comment", grantWith(web().toBuilder().comment("line\n" + bad)));
            assertRefusedNaming(
                    "evidence.proofReference", grantWith(web().toBuilder().proofReference(bad)));
            assertRefusedNaming(
                    "evidence.ipAddress", grantWith(web().toBuilder().ipAddress("203.0.113.9" + bad)));
            assertRefusedNaming("evidence.actor.id", () -> Actor.agent(bad));
            assertRefusedNaming("evidence.actor.id", () -> Actor.system(LONE_HIGH + "job"));
        }

        @Test
        void idempotencyKeysPreferencesAndErasureReasonsWithAnUnpairedSurrogateAreRefused() {
            String bad = "k" + LONE_HIGH;
            assertRefusedNaming(
                    "idempotencyKey",
                    () -> consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                            .idempotencyKey(bad)
                            .build()));
            assertRefusedNaming(
                    "commands[1].idempotencyKey",
                    () -> consents.recordAll(List.of(
                            ConsentCommand.grant("cust-1", "analytics").build(),
                            ConsentCommand.grant("cust-1", "marketing.email")
                                    .idempotencyKey(bad)
                                    .build())));
            assertRefusedNaming("key", () -> consents.setPreference("cust-1", bad, "weekly", web()));
            assertRefusedNaming(
                    "value",
                    () -> consents.setPreference("cust-1", "newsletter.frequency", "weekly" + LONE_HIGH, web()));
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            assertRefusedNaming("reason", () -> consents.erase("cust-1", "art17" + LONE_HIGH));
            assertThat(consents.check("cust-1", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
            assertThatThrownBy(() -> PreferenceDefinition.of("newsletter.format", "html", "text" + LONE_HIGH))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .hasMessageContaining("preferenceDefinition.allowedValues");
        }

        @Test
        void aLocaleIsStoredAsAWellFormedLanguageTagOfAtMost64Characters() {
            Locale longest = Locale.forLanguageTag("de-DE-x-" + "abcdefgh-".repeat(6) + "ab");
            assertThat(longest.toLanguageTag()).hasSize(64);
            ConsentRecord stored = consents.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(web().toBuilder().locale(longest).build())
                    .build());
            assertThat(historyOf("cust-1")).containsExactly(stored);
            assertThat(stored.evidence().locale()).contains(longest);

            Locale tooLong = Locale.forLanguageTag("de-DE-x-" + "abcdefgh-".repeat(6) + "abc");
            assertThat(tooLong.toLanguageTag()).hasSize(65);
            assertRefusedNaming("evidence.locale", grantWith(web().toBuilder().locale(tooLong)));
            Locale seventyNine = Locale.forLanguageTag("de-DE-x-" + "abcdefgh-".repeat(7) + "abcdefgh");
            assertThat(seventyNine.toLanguageTag()).hasSize(79);
            assertRefusedNaming("evidence.locale", grantWith(web().toBuilder().locale(seventyNine)));
            // a language Java keeps but BCP 47 cannot express reads back as another locale
            @SuppressWarnings("deprecation")
            Locale illFormed = new Locale("not a language", "DE");
            assertRefusedNaming("evidence.locale", grantWith(web().toBuilder().locale(illFormed)));
            assertRefusedNaming(
                    "evidence.locale",
                    () -> consents.applyGlobalPrivacyControl(
                            "cust-1", web().toBuilder().locale(tooLong).build()));
            assertThat(historyOf("cust-1")).containsExactly(stored);
        }
    }

    @Nested
    class HistoryBounds {

        private List<ConsentRecord> between(Instant from, Instant to) {
            try (Stream<ConsentRecord> s = consents.history(
                    HistoryQuery.builder().recordedFrom(from).recordedTo(to).build())) {
                return s.toList();
            }
        }

        @Test
        void fromTheFirstToTheLastInstantJavaKnowsReturnsEverything() {
            ConsentRecord a = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.advance(Duration.ofDays(1));
            ConsentRecord b =
                    consents.record(ConsentCommand.grant("cust-2", "analytics").build());

            assertThat(between(Instant.MIN, Instant.MAX)).containsExactly(a, b);
            try (Stream<ConsentRecord> s = consents.history(
                    HistoryQuery.builder().recordedFrom(Instant.MIN).build())) {
                assertThat(s).containsExactly(a, b);
            }
            try (Stream<ConsentRecord> s = consents.history(
                    HistoryQuery.builder().recordedTo(Instant.MAX).build())) {
                assertThat(s).containsExactly(a, b);
            }
        }

        @Test
        void boundsBeyondTheYear9999OrBeforeTheYear1000AnswerAsOnAnyOtherDay() {
            ConsentRecord a = consents.record(
                    ConsentCommand.grant("cust-1", "marketing.email").build());
            Instant year10000 = Instant.parse("+10000-01-01T00:00:00Z");
            Instant year999 = Instant.parse("0999-12-31T23:59:59.999999Z");

            assertThat(between(year999, year10000)).containsExactly(a);
            assertThat(between(START, year10000)).containsExactly(a);
            assertThat(between(year999, START.plusNanos(1000))).containsExactly(a);
            assertThat(between(year10000, Instant.MAX)).isEmpty();
            assertThat(between(Instant.MIN, year999)).isEmpty();
            assertThat(between(START.plusNanos(1000), Instant.MAX)).isEmpty();
            assertThat(between(Instant.MIN, START)).isEmpty();
        }
    }

    @Nested
    class Concurrency {

        @Test
        void writersRacingWithOneKeyForDifferentSubjectsWriteOneRecordAndTheOthersConflict() throws Exception {
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Object> outcomes = new ArrayList<>();
            try {
                List<Future<Object>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String subject = "race-" + t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        try {
                            return consents.record(ConsentCommand.optOut(subject, "analytics")
                                    .idempotencyKey("race-key")
                                    .build());
                        } catch (IdempotencyConflictException e) {
                            return e;
                        }
                    }));
                }
                start.countDown();
                for (Future<Object> f : futures) {
                    outcomes.add(f.get(5, TimeUnit.MINUTES));
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(outcomes).filteredOn(ConsentRecord.class::isInstance).hasSize(1);
            assertThat(outcomes)
                    .filteredOn(IdempotencyConflictException.class::isInstance)
                    .hasSize(threads - 1);
            try (Stream<AuditEntry> trail = consents.auditTrail(HistoryQuery.all())) {
                assertThat(trail.toList()).hasSize(1);
            }
        }

        @Test
        void concurrentWritersLoseNothingAndChainsVerify() throws Exception {
            int threads = concurrentThreads();
            int perThread = writesPerThread();
            int subjects = 20;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            String subject = "s-" + ((thread * perThread + i) % subjects);
                            String purpose = i % 2 == 0 ? "marketing.email" : "analytics";
                            consents.record(
                                    i % 3 == 0
                                            ? ConsentCommand.withdraw(subject, purpose)
                                                    .build()
                                            : ConsentCommand.grant(subject, purpose)
                                                    .build());
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }

            VerificationReport report = consents.verify();
            assertThat(report.brokenChains()).isEmpty();
            assertThat(report.recordsChecked()).isEqualTo((long) threads * perThread);
            assertThat(report.subjectsChecked()).isEqualTo(subjects);
            for (int s = 0; s < subjects; s++) {
                String subject = "s-" + s;
                List<ConsentRecord> history = historyOf(subject);
                assertThat(history)
                        .extracting(r -> r.link().sequence())
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, history.size())
                                .mapToObj(Long::valueOf)
                                .toList());
                Map<String, ConsentRecord> latest = history.stream()
                        .collect(Collectors.toMap(r -> r.purpose().value(), r -> r, (a, b) -> b));
                Map<String, ConsentRecord> current =
                        store.state("default", SubjectId.of(subject)).orElseThrow().current().entrySet().stream()
                                .collect(Collectors.toMap(e -> e.getKey().value(), Map.Entry::getValue));
                assertThat(current).isEqualTo(latest);
            }
        }
    }

    /** Random histories {@link AllowedAgreesWithCheck} replays; the in-memory stores run more of them. */
    protected int randomHistories() {
        return 4;
    }

    /**
     * Differential test of {@link ConsentManager#allowed(String, String)} (the in-memory store's flat table, or the
     * store's deciding values alone) against {@code check(...).allowed()}: random histories of grants, refusals,
     * pending grants and their confirmations, imports with earlier effective times, old purpose versions below the
     * reconsent version, Global Privacy Control signals and erasures over a purpose hierarchy with every legal basis,
     * with the clock moved back and forth across the grants' expiry (to the microsecond and within it). After every
     * step both answers must agree for every subject (pseudonyms of erased subjects included) and every purpose.
     */
    @Nested
    class AllowedAgreesWithCheck {

        final List<Purpose> purposes = List.of(
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

        final List<String> purposeNames = List.of(
                "mkt", "mkt.email", "mkt.email.weekly", "ads", "stats", "stats.deep", "billing", "billing.reminders");

        @Test
        void allowedEqualsCheckAfterEveryStepOfARandomHistory() {
            for (int i = 0; i < randomHistories(); i++) {
                long seed = 7919L * i + 13;
                // every other history starts on a whole millisecond, so that expiries fall on millisecond boundaries
                clock.set(seed % 2 == 0 ? START.truncatedTo(ChronoUnit.MILLIS) : START);
                ConsentManager manager = ConsentManager.builder()
                        .purposes(purposes)
                        .store(store)
                        .clock(clock)
                        .tenant("allowed-" + i)
                        .pseudonymKey(KEY)
                        .build();
                replay(manager, seed);
            }
        }

        private void replay(ConsentManager manager, long seed) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            List<String> subjects = new ArrayList<>(List.of("s-0", "s-1", "s-2", " padded ", "\uD83D\uDE00-emoji"));
            java.util.LinkedHashSet<String> asked = new java.util.LinkedHashSet<>(subjects);
            asked.add("never-seen");
            List<Instant> expiries = new ArrayList<>();
            List<String> pendingTokens = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                String subject = subjects.get(random.nextInt(subjects.size()));
                String purpose = purposeNames.get(random.nextInt(purposeNames.size()));
                int action = random.nextInt(15);
                try {
                    switch (action) {
                        case 0, 1, 2 -> record(manager, ConsentCommand.grant(subject, purpose), expiries);
                        case 3 -> record(manager, ConsentCommand.withdraw(subject, purpose), expiries);
                        case 4 -> record(manager, ConsentCommand.deny(subject, purpose), expiries);
                        case 5 -> record(manager, ConsentCommand.optOut(subject, purpose), expiries);
                        case 6 ->
                            pendingTokens.add(record(
                                            manager,
                                            ConsentCommand.grant(subject, purpose)
                                                    .pendingConfirmation(true),
                                            expiries)
                                    .id()
                                    .toString());
                        case 7 -> {
                            if (!pendingTokens.isEmpty()) {
                                manager.confirm(pendingTokens.remove(random.nextInt(pendingTokens.size())));
                            }
                        }
                        case 8 ->
                            record( // an import: took effect earlier than it is recorded
                                    manager,
                                    ConsentCommand.grant(subject, purpose)
                                            .effectiveAt(clock.instant().minus(Duration.ofDays(random.nextInt(1, 40)))),
                                    expiries);
                        case 9 ->
                            record( // the old version of "ads", below its reconsent version
                                    manager,
                                    ConsentCommand.grant(subject, "ads").purposeVersion(1),
                                    expiries);
                        case 10 -> manager.applyGlobalPrivacyControl(subject, Evidence.of(Source.GPC_SIGNAL, "header"));
                        case 11 -> {
                            if (random.nextInt(3) == 0) {
                                Optional<ErasureRecord> erased = manager.erase(subject, "request");
                                erased.ifPresent(e -> asked.add(e.subject().value()));
                            }
                        }
                        case 12 -> clock.advance(Duration.ofHours(random.nextInt(1, 24 * 12)));
                        case 13 -> clock.advance(Duration.ofNanos(random.nextLong(1, 3_000_000)));
                        default -> {
                            if (!expiries.isEmpty()) { // onto, just before or just after an expiry
                                Instant expiry = expiries.get(random.nextInt(expiries.size()));
                                long[] offsets = {-1_000, -1, 0, 1, 999, 1_000, -999_999, 1_000_000};
                                clock.set(expiry.plusNanos(offsets[random.nextInt(offsets.length)]));
                            }
                        }
                    }
                } catch (ObjectionInForceException
                        | dev.consentkit.core.SubjectErasedException
                        | dev.consentkit.core.InvalidConfirmationException e) {
                    // refused by the rules: nothing written, the answers must still agree
                }
                assertAgree(manager, asked, "seed " + seed + ", step " + step);
            }
        }

        private ConsentRecord record(ConsentManager manager, ConsentCommand.Builder command, List<Instant> expiries) {
            ConsentRecord r = manager.record(
                    command.evidence(Evidence.of(Source.WEB, "form")).build());
            r.expiresAt().ifPresent(expiries::add);
            return r;
        }

        private void assertAgree(ConsentManager manager, Iterable<String> subjects, String where) {
            for (String s : subjects) {
                for (String p : purposeNames) {
                    boolean expected = manager.check(s, p).allowed();
                    assertThat(manager.allowed(s, p))
                            .as("%s: allowed(%s, %s) at %s", where, s, p, clock.instant())
                            .isEqualTo(expected);
                    assertThat(manager.allowed(SubjectId.of(s), PurposeId.of(p)))
                            .as("%s: typed allowed(%s, %s)", where, s, p)
                            .isEqualTo(expected);
                }
            }
        }
    }
}
