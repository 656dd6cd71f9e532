package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.when;

import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ListenerTest {

    private static final Purpose EMAIL = Purpose.builder("marketing.email")
            .basis(LegalBasis.CONSENT)
            .directMarketing(true)
            .build();
    private static final Purpose ANALYTICS =
            Purpose.builder("analytics").basis(LegalBasis.CONSENT).build();
    private static final Purpose AD_SALE = Purpose.builder("ads.sale")
            .basis(LegalBasis.LEGITIMATE_INTERESTS)
            .saleOrShare(true)
            .build();
    private static final PreferenceDefinition FREQUENCY =
            PreferenceDefinition.of("newsletter.frequency", "weekly", "monthly");

    /** Remembers every call, in call order. */
    static final class Recording implements ConsentListener {
        final List<AuditEntry> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onCommitted(AuditEntry entry) {
            seen.add(entry);
        }
    }

    private InMemoryConsentStore store;
    private Recording first;
    private Recording last;

    private ConsentManagerBuilder builder() {
        return ConsentManager.builder()
                .purposes(EMAIL, ANALYTICS, AD_SALE)
                .clock(CLOCK)
                .store(store)
                .preferences(FREQUENCY)
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY);
    }

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        first = new Recording();
        last = new Recording();
    }

    private List<AuditEntry> tenantTrail(ConsentManager manager) {
        try (Stream<AuditEntry> s = manager.auditTrail(HistoryQuery.all())) {
            return s.toList();
        }
    }

    private List<AuditEntry> chainOf(String subject) {
        try (Stream<AuditEntry> s = store.chains("default", Optional.of(SubjectId.of(subject)))) {
            return s.toList();
        }
    }

    @Nested
    class CommittedEntries {

        private ConsentManager manager;

        @BeforeEach
        void build() {
            manager = builder().listener(first).build();
        }

        @Test
        void reachTheListenerOnceEachInChainOrder() {
            manager.record(ConsentCommand.grant("alice", "analytics").build());
            manager.recordAll(List.of(
                    ConsentCommand.grant("alice", "marketing.email").build(),
                    ConsentCommand.grant("bob", "analytics").build(),
                    ConsentCommand.withdraw("alice", "analytics").build()));
            manager.setPreference("alice", "newsletter.frequency", "weekly", Evidence.of(Source.WEB, "prefs"));
            manager.applyGlobalPrivacyControl("alice", Evidence.of(Source.WEB, "gpc-header"));
            ConsentRecord pending = manager.record(ConsentCommand.grant("bob", "marketing.email")
                    .pendingConfirmation(true)
                    .build());
            manager.confirm(pending.id().toString());

            List<AuditEntry> trail = tenantTrail(manager);
            assertThat(trail).hasSize(8);
            assertThat(first.seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(trail);
            for (String subject : List.of("alice", "bob")) {
                assertThat(first.seen)
                        .filteredOn(e -> e.subject().value().equals(subject))
                        .containsExactlyElementsOf(chainOf(subject));
            }
        }

        @Test
        void includeTheErasureRecord() {
            manager.record(ConsentCommand.grant("alice", "analytics").build());

            ErasureRecord erasure = manager.erase("alice", "art17-request").orElseThrow();

            assertThat(first.seen).hasSize(2);
            assertThat(first.seen.get(1)).isEqualTo(erasure);
        }

        @Test
        void areSeenByTheListenerAfterTheyAreVisibleInTheStore() {
            List<Boolean> visibleWhenCalled = new ArrayList<>();
            ConsentManager checking = builder()
                    .listener(entry -> visibleWhenCalled.add(store.findRecord("default", entry.id())
                            .map(r -> r.equals(entry))
                            .orElse(false)))
                    .build();

            checking.record(ConsentCommand.grant("carol", "analytics").build());
            checking.recordAll(List.of(
                    ConsentCommand.grant("carol", "marketing.email").build(),
                    ConsentCommand.grant("dave", "analytics").build()));

            assertThat(visibleWhenCalled).containsExactly(true, true, true);
        }
    }

    /** A caller's transaction as a transaction manager would run it: actions wait for the commit. */
    static final class CallerTransaction implements CommitHook {
        private final List<Runnable> afterCommit = new ArrayList<>();
        private boolean active;

        void begin() {
            active = true;
        }

        void commit() {
            active = false;
            afterCommit.forEach(Runnable::run);
            afterCommit.clear();
        }

        void rollback() {
            active = false;
            afterCommit.clear();
        }

        @Override
        public boolean afterCommit(Runnable action) {
            if (active) {
                afterCommit.add(action);
            }
            return active;
        }
    }

    @Nested
    class InTheCallersTransaction {

        private final CallerTransaction transaction = new CallerTransaction();

        @Test
        void reachTheListenerOnlyWhenItCommits() {
            ConsentManager manager =
                    builder().listener(first).commitHook(transaction).build();
            transaction.begin();
            ConsentRecord single =
                    manager.record(ConsentCommand.grant("alice", "analytics").build());
            List<ConsentRecord> batch = manager.recordAll(List.of(
                    ConsentCommand.grant("bob", "analytics").build(),
                    ConsentCommand.grant("alice", "marketing.email").build()));
            ErasureRecord erasure = manager.erase("bob", "art17-request").orElseThrow();
            assertThat(first.seen).isEmpty();

            transaction.commit();

            assertThat(first.seen).containsExactly(single, batch.get(0), batch.get(1), erasure);
        }

        @Test
        void neverReachTheListenerWhenItRollsBack() {
            ConsentManager manager =
                    builder().listener(first).commitHook(transaction).build();
            transaction.begin();
            manager.record(ConsentCommand.grant("alice", "analytics").build());

            transaction.rollback();

            assertThat(first.seen).isEmpty();
        }

        @Test
        void reachTheListenerAtOnceWhenNoTransactionIsActive() {
            ConsentManager manager =
                    builder().listener(first).commitHook(transaction).build();

            ConsentRecord recorded =
                    manager.record(ConsentCommand.grant("alice", "analytics").build());

            assertThat(first.seen).containsExactly(recorded);
        }

        @Test
        void areNotDeliveredWhenTheStoreJoinedOneThatNoHookFollows() {
            InMemoryConsentStore joining = spy(new InMemoryConsentStore());
            when(joining.joinsCallerTransaction()).thenReturn(true);
            ConsentManager manager = ConsentManager.builder()
                    .purposes(EMAIL, ANALYTICS)
                    .clock(CLOCK)
                    .store(joining)
                    .listener(first)
                    .build();

            ConsentRecord recorded =
                    manager.record(ConsentCommand.grant("alice", "analytics").build());

            assertThat(first.seen).isEmpty();
            assertThat(TestFixtures.history(manager, "alice")).containsExactly(recorded);
        }
    }

    @Nested
    class FailingListener {

        @Test
        void doesNotUndoTheWriteAndOthersStillGetTheEntry() {
            ConsentListener failing = entry -> {
                throw new IllegalStateException("downstream CRM is down");
            };
            ConsentManager manager =
                    builder().listener(first).listener(failing).listener(last).build();

            ConsentRecord recorded =
                    manager.record(ConsentCommand.grant("alice", "analytics").build());
            List<ConsentRecord> batch = manager.recordAll(List.of(
                    ConsentCommand.grant("bob", "analytics").build(),
                    ConsentCommand.grant("carol", "analytics").build()));

            assertThat(TestFixtures.history(manager, "alice")).containsExactly(recorded);
            assertThat(manager.check("alice", "analytics").allowed()).isTrue();
            assertThat(manager.check("carol", "analytics").allowed()).isTrue();
            assertThat(first.seen).containsExactly(recorded, batch.get(0), batch.get(1));
            assertThat(last.seen).containsExactly(recorded, batch.get(0), batch.get(1));
            assertThat(manager.verify().intact()).isTrue();
        }
    }

    @Nested
    class NoCall {

        private ConsentManager manager;

        @BeforeEach
        void build() {
            manager = builder().listener(first).build();
        }

        @Test
        void forAnInvalidCommand() {
            assertThatThrownBy(() -> manager.record(
                            ConsentCommand.grant("alice\u0000", "analytics").build()))
                    .isInstanceOf(InvalidConsentRequestException.class);
            assertThatThrownBy(() -> manager.recordAll(List.of(
                            ConsentCommand.grant("bob", "analytics").build(),
                            ConsentCommand.grant("bob", "no.such.purpose").build())))
                    .isInstanceOf(InvalidConsentRequestException.class);

            assertThat(first.seen).isEmpty();
            assertThat(store.size()).isZero();
        }

        @Test
        void forAnIdempotentReplay() {
            ConsentRecord original = manager.record(ConsentCommand.grant("alice", "analytics")
                    .idempotencyKey("submit-1")
                    .build());
            first.seen.clear();

            ConsentRecord replayed = manager.record(ConsentCommand.grant("alice", "analytics")
                    .idempotencyKey("submit-1")
                    .build());

            assertThat(replayed).isEqualTo(original);
            assertThat(first.seen).isEmpty();
        }

        @Test
        void forTheReplayedPartOfABatch() {
            ConsentRecord original = manager.record(ConsentCommand.grant("alice", "analytics")
                    .idempotencyKey("submit-1")
                    .build());
            first.seen.clear();

            List<ConsentRecord> batch = manager.recordAll(List.of(
                    ConsentCommand.grant("alice", "analytics")
                            .idempotencyKey("submit-1")
                            .build(),
                    ConsentCommand.grant("alice", "marketing.email")
                            .idempotencyKey("submit-2")
                            .build()));

            assertThat(batch.get(0)).isEqualTo(original);
            assertThat(first.seen).containsExactly(batch.get(1));
        }

        @Test
        void forAWriteTheRulesRefuse() {
            manager.record(ConsentCommand.optOut("alice", "marketing.email").build());
            first.seen.clear();

            assertThatThrownBy(() -> manager.record(ConsentCommand.grant("alice", "marketing.email")
                            .evidence(Evidence.builder()
                                    .source(Source.PHONE)
                                    .collectionPoint("call-centre")
                                    .actor(Actor.agent("agent-7"))
                                    .build())
                            .build()))
                    .isInstanceOf(ObjectionInForceException.class);

            assertThat(first.seen).isEmpty();
            assertThat(TestFixtures.history(manager, "alice")).hasSize(1);
        }

        @Test
        void forARepeatedPrivacySignalOrAnUnknownErasure() {
            manager.applyGlobalPrivacyControl("alice", Evidence.of(Source.WEB, "gpc-header"));
            assertThat(first.seen).hasSize(1);
            first.seen.clear();

            assertThat(manager.applyGlobalPrivacyControl("alice", Evidence.of(Source.WEB, "gpc-header")))
                    .isEmpty();
            assertThat(manager.erase("nobody", "art17-request")).isEmpty();

            assertThat(first.seen).isEmpty();
        }
    }
}
