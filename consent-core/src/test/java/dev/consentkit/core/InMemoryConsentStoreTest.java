package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.internal.AppendRequest;
import dev.consentkit.core.internal.AppendResult;
import dev.consentkit.core.internal.AuditChain;
import dev.consentkit.core.internal.ChainWriter;
import dev.consentkit.core.internal.WritePlan;
import dev.consentkit.core.spi.SubjectState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InMemoryConsentStoreTest {

    private static final String TENANT = "default";
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final SubjectId BOB = SubjectId.of("bob");
    private static final SubjectId CAROL = SubjectId.of("carol");

    private InMemoryConsentStore store;
    private ChainWriter writer;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        writer = new ChainWriter(store);
    }

    private static ConsentRecord unsealed(
            String tenant, SubjectId subject, String purpose, ConsentStatus status, Optional<String> key) {
        Evidence evidence = Evidence.of(Source.API, "api");
        return new ConsentRecord(
                UUID.randomUUID(),
                tenant,
                subject,
                PurposeId.of(purpose),
                1,
                status,
                NOW_MICROS,
                NOW_MICROS,
                Optional.empty(),
                key,
                evidence,
                false,
                AuditChain.personalDataDigest(subject, key.orElse(null), null, null, null),
                ChainLink.UNSEALED);
    }

    private static AppendRequest request(SubjectId subject, String purpose, Optional<String> key) {
        ConsentRecord record = unsealed(TENANT, subject, purpose, ConsentStatus.GRANTED, key);
        return new AppendRequest(TENANT, subject, key, state -> List.of(record));
    }

    private static AppendRequest failing(SubjectId subject) {
        return new AppendRequest(TENANT, subject, Optional.empty(), state -> {
            throw new ObjectionInForceException(PurposeId.of("marketing.email"));
        });
    }

    private List<AuditEntry> everything() {
        try (Stream<AuditEntry> s = store.history(TENANT, HistoryQuery.all())) {
            return s.toList();
        }
    }

    @Nested
    class AppendAllIsAtomic {

        private ConsentRecord carolsFirst;

        @BeforeEach
        void carolHasARecord() {
            carolsFirst = (ConsentRecord) writer.append(request(CAROL, "analytics", Optional.empty()))
                    .entries()
                    .get(0);
        }

        @Test
        void aFailingThirdPlanLeavesNothingOfTheFirstTwo() {
            AppendRequest first = request(ALICE, "analytics", Optional.of("key-1"));
            AppendRequest second = request(BOB, "analytics", Optional.of("key-2"));

            assertThatThrownBy(() -> writer.appendAll(List.of(first, second, failing(CAROL))))
                    .isInstanceOf(ObjectionInForceException.class);

            assertThat(store.state(TENANT, ALICE)).isEmpty();
            assertThat(store.state(TENANT, BOB)).isEmpty();
            assertThat(store.head(TENANT, ALICE)).isEmpty();
            assertThat(store.state(TENANT, CAROL))
                    .get()
                    .extracting(SubjectState::head)
                    .isEqualTo(Optional.of(carolsFirst.link()));
            assertThat(everything()).containsExactly(carolsFirst);
            assertThat(store.size()).isEqualTo(1);
        }

        @Test
        void aFailingPlanReservesNoIdempotencyKey() {
            assertThatThrownBy(() -> writer.appendAll(List.of(
                            request(ALICE, "analytics", Optional.of("key-1")),
                            request(BOB, "analytics", Optional.of("key-2")),
                            failing(CAROL))))
                    .isInstanceOf(ObjectionInForceException.class);

            AppendResult retry1 = writer.append(request(ALICE, "analytics", Optional.of("key-1")));
            AppendResult retry2 = writer.append(request(BOB, "analytics", Optional.of("key-2")));

            assertThat(retry1.replayed()).isFalse();
            assertThat(retry2.replayed()).isFalse();
            assertThat(retry1.entries())
                    .singleElement()
                    .extracting(e -> e.link().sequence())
                    .isEqualTo(1L);
            assertThat(store.size()).isEqualTo(3);
        }

        @Test
        void aFailingPlanOnTheSameSubjectUndoesItsEarlierRequests() {
            assertThatThrownBy(() -> writer.appendAll(List.of(
                            request(CAROL, "marketing.email", Optional.of("key-3")),
                            request(CAROL, "profiling", Optional.empty()),
                            failing(CAROL))))
                    .isInstanceOf(ObjectionInForceException.class);

            SubjectState state = store.state(TENANT, CAROL).orElseThrow();
            assertThat(state.head()).contains(carolsFirst.link());
            assertThat(state.current()).containsOnlyKeys(PurposeId.of("analytics"));
            assertThat(everything()).containsExactly(carolsFirst);
            assertThat(writer.append(request(CAROL, "marketing.email", Optional.of("key-3")))
                            .replayed())
                    .isFalse();
        }

        @Test
        void aFailingPlanForAnUnknownSubjectLeavesItUnknown() {
            assertThatThrownBy(() -> writer.append(failing(SubjectId.of("dave"))))
                    .isInstanceOf(ObjectionInForceException.class);

            assertThat(store.state(TENANT, SubjectId.of("dave"))).isEmpty();
            try (Stream<AuditEntry> chains = store.chains(TENANT, Optional.empty())) {
                assertThat(chains.toList()).containsExactly(carolsFirst);
            }
        }
    }

    @Nested
    class OneBatch {

        @Test
        void letsRequestsForTheSameSubjectSeeEachOthersEntries() {
            List<SubjectState> seen = new ArrayList<>();
            ConsentRecord second =
                    unsealed(TENANT, ALICE, "marketing.email", ConsentStatus.WITHDRAWN, Optional.empty());
            WritePlan observing = state -> {
                seen.add(state);
                return List.of(second);
            };

            List<AppendResult> results = writer.appendAll(List.of(
                    request(ALICE, "analytics", Optional.empty()),
                    request(BOB, "analytics", Optional.empty()),
                    new AppendRequest(TENANT, ALICE, Optional.empty(), observing)));

            AuditEntry aliceFirst = results.get(0).entries().get(0);
            AuditEntry aliceSecond = results.get(2).entries().get(0);
            assertThat(seen).singleElement().satisfies(state -> {
                assertThat(state.head()).contains(aliceFirst.link());
                assertThat(state.current())
                        .containsEntry(PurposeId.of("analytics"), (ConsentRecord) aliceFirst)
                        .hasSize(1);
            });
            assertThat(aliceSecond.link().sequence()).isEqualTo(2);
            assertThat(aliceSecond.link().previousHash())
                    .isEqualTo(aliceFirst.link().hash());
            assertThat(results.get(1).entries().get(0).link().sequence()).isEqualTo(1);
            assertThat(store.head(TENANT, ALICE)).contains(aliceSecond.link());
        }

        @Test
        void refusesARepeatedIdempotencyKeyWithinTheBatchBeforeWritingAnything() {
            assertThatThrownBy(() -> writer.appendAll(List.of(
                            request(ALICE, "analytics", Optional.of("key-1")),
                            request(BOB, "analytics", Optional.of("key-1")))))
                    .isInstanceOf(IllegalArgumentException.class);

            assertThat(store.size()).isZero();
        }

        @Test
        void writesNothingForAPlanWithoutEntries() {
            AppendResult result = writer.append(new AppendRequest(TENANT, ALICE, Optional.empty(), state -> List.of()));

            assertThat(result.entries()).isEmpty();
            assertThat(result.replayed()).isFalse();
            assertThat(store.state(TENANT, ALICE)).isEmpty();
            assertThat(store.size()).isZero();
        }
    }

    @Nested
    class Reading {

        @Test
        void knowsNothingAboutAnUnknownSubject() {
            writer.append(request(ALICE, "analytics", Optional.empty()));
            SubjectId unknown = SubjectId.of("nobody");

            assertThat(store.state(TENANT, unknown)).isEmpty();
            assertThat(store.head(TENANT, unknown)).isEmpty();
            assertThat(store.preferences(TENANT, unknown)).isEmpty();
            assertThat(store.states(TENANT, List.of(unknown, ALICE))).containsOnlyKeys(ALICE);
            try (Stream<AuditEntry> history = store.history(TENANT, HistoryQuery.forSubject("nobody"))) {
                assertThat(history).isEmpty();
            }
        }

        @Test
        void keepsTenantsApart() {
            ConsentRecord record = (ConsentRecord) writer.append(request(ALICE, "analytics", Optional.of("key-1")))
                    .entries()
                    .get(0);
            ConsentRecord other = unsealed("brand-b", ALICE, "analytics", ConsentStatus.DENIED, Optional.of("key-1"));

            AppendResult otherTenant =
                    writer.append(new AppendRequest("brand-b", ALICE, Optional.of("key-1"), state -> List.of(other)));

            assertThat(otherTenant.replayed()).isFalse();
            assertThat(store.findRecord(TENANT, record.id())).contains(record);
            assertThat(store.findRecord("brand-b", record.id())).isEmpty();
            assertThat(store.state("brand-b", ALICE)
                            .orElseThrow()
                            .current()
                            .get(PurposeId.of("analytics"))
                            .status())
                    .isEqualTo(ConsentStatus.DENIED);
            assertThat(everything()).containsExactly(record);
        }

        @Test
        void findsEveryRecordByIdAndReadsItBackAsWritten() {
            List<ConsentRecord> written = new ArrayList<>();
            for (int i = 0; i < 1500; i++) { // more than the id index holds before it grows, several times
                SubjectId subject = SubjectId.of("s-" + (i % 300));
                written.add((ConsentRecord) writer.append(request(
                                subject,
                                i % 2 == 0 ? "analytics" : "marketing",
                                i % 3 == 0 ? Optional.of("key-" + i) : Optional.empty()))
                        .entries()
                        .get(0));
            }

            for (ConsentRecord r : written) {
                assertThat(store.findRecord(TENANT, r.id())).contains(r);
            }
            assertThat(store.findRecord(TENANT, UUID.randomUUID())).isEmpty();
            assertThat(everything()).containsExactlyElementsOf(written);
            ConsentRecord last = written.get(written.size() - 1);
            SubjectState state = store.state(TENANT, last.subject()).orElseThrow();
            assertThat(state.current()).containsEntry(last.purpose(), last);
            assertThat(state.head()).contains(last.link());
            assertThat(state.headRecordedAt()).contains(last.recordedAt());
            assertThat(store.head(TENANT, last.subject())).contains(last.link());
            assertThat(store.recordInForce(TENANT, last.subject(), List.of(last.purpose())))
                    .contains(last);
        }
    }
}
