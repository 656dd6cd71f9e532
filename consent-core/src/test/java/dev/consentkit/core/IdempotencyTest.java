package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class IdempotencyTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC);
    static final Purpose EMAIL =
            Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build();
    static final Purpose SMS =
            Purpose.builder("marketing.sms").basis(LegalBasis.CONSENT).build();

    InMemoryConsentStore store;
    List<AuditEntry> published;
    ConsentManager manager;

    @BeforeEach
    void setUp() {
        store = new InMemoryConsentStore();
        published = new ArrayList<>();
        manager = managerFor("default");
    }

    private ConsentManager managerFor(String tenant) {
        return ConsentManager.builder()
                .purposes(EMAIL, SMS)
                .store(store)
                .clock(CLOCK)
                .tenant(tenant)
                .listener(published::add)
                .build();
    }

    private static long historyCount(ConsentManager m) {
        try (Stream<ConsentRecord> history = m.history(HistoryQuery.all())) {
            return history.count();
        }
    }

    private static ConsentCommand grant(String subject, String purpose, String key) {
        return ConsentCommand.grant(subject, purpose)
                .evidence(Evidence.of(Source.WEB, "signup-form"))
                .idempotencyKey(key)
                .build();
    }

    @Nested
    class Record {

        @Test
        void recordWhenSameKeyTwiceThenSecondReturnsTheFirstRecordAndWritesNothing() {
            ConsentRecord first = manager.record(grant("cust-42", "marketing.email", "req-1"));

            ConsentRecord second = manager.record(grant("cust-42", "marketing.email", "req-1"));

            assertThat(second.id()).isEqualTo(first.id());
            assertThat(second).isEqualTo(first);
            assertThat(historyCount(manager)).isEqualTo(1);
            assertThat(store.size()).isEqualTo(1);
            assertThat(published).extracting(AuditEntry::id).containsExactly(first.id());
        }

        @Test
        void recordWhenSameKeyWithADifferentCommandThenConflictAndNothingChanges() {
            ConsentRecord first = manager.record(grant("cust-42", "marketing.email", "req-1"));
            published.clear();

            assertThatThrownBy(() -> manager.record(ConsentCommand.withdraw("cust-42", "marketing.sms")
                            .evidence(Evidence.of(Source.PHONE, "call-centre"))
                            .idempotencyKey("req-1")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class)
                    .hasMessageNotContaining("req-1")
                    .hasMessageNotContaining("cust-42");

            assertThat(historyCount(manager)).isEqualTo(1);
            assertThat(manager.check("cust-42", "marketing.email").record()).contains(first);
            assertThat(published).isEmpty();
        }

        @Test
        void recordWhenSameKeyForAnotherSubjectThenConflictAndNothingIsWritten() {
            manager.record(grant("cust-42", "marketing.email", "req-1"));

            assertThatThrownBy(() -> manager.record(grant("cust-43", "marketing.email", "req-1")))
                    .isInstanceOf(IdempotencyConflictException.class);

            assertThat(historyCount(manager)).isEqualTo(1);
            assertThat(store.state("default", SubjectId.of("cust-43"))).isEmpty();
        }

        @Test
        void recordWhenAGrantIsRetriedAsAPendingGrantThenConflict() {
            manager.record(grant("cust-42", "marketing.email", "req-1"));

            assertThatThrownBy(() -> manager.record(ConsentCommand.grant("cust-42", "marketing.email")
                            .evidence(Evidence.of(Source.WEB, "signup-form"))
                            .pendingConfirmation(true)
                            .idempotencyKey("req-1")
                            .build()))
                    .isInstanceOf(IdempotencyConflictException.class);
        }

        @Test
        void recordWhenDifferentKeysThenBothAreWritten() {
            ConsentRecord first = manager.record(grant("cust-42", "marketing.email", "req-1"));
            ConsentRecord second = manager.record(grant("cust-42", "marketing.email", "req-2"));

            assertThat(second.id()).isNotEqualTo(first.id());
            assertThat(historyCount(manager)).isEqualTo(2);
        }

        @Test
        void recordWhenNoKeyThenEveryCommandIsWritten() {
            manager.record(ConsentCommand.grant("cust-42", "marketing.email").build());
            manager.record(ConsentCommand.grant("cust-42", "marketing.email").build());

            assertThat(historyCount(manager)).isEqualTo(2);
        }

        @Test
        void recordWhenKeysDifferOnlyInCaseThenTheyAreDifferentKeys() {
            manager.record(grant("cust-42", "marketing.email", "req-A"));
            manager.record(grant("cust-42", "marketing.email", "req-a"));

            assertThat(historyCount(manager)).isEqualTo(2);
        }

        @Test
        void recordWhenReplayedThenTheStoredRecordKeepsTheKeyAndTheChainVerifies() {
            ConsentRecord first = manager.record(grant("cust-42", "marketing.email", "req-1"));
            manager.record(grant("cust-42", "marketing.email", "req-1"));

            assertThat(first.idempotencyKey()).contains("req-1");
            assertThat(first.link().sequence()).isEqualTo(1);
            assertThat(manager.verify("cust-42").intact()).isTrue();
        }
    }

    @Nested
    class Tenants {

        @Test
        void recordWhenAnotherTenantUsesTheSameKeyThenBothAreWritten() {
            ConsentManager brandA = managerFor("brand-a");
            ConsentManager brandB = managerFor("brand-b");

            ConsentRecord a = brandA.record(grant("cust-42", "marketing.email", "req-1"));
            ConsentRecord b = brandB.record(grant("cust-42", "marketing.email", "req-1"));

            assertThat(b.id()).isNotEqualTo(a.id());
            assertThat(a.tenant()).isEqualTo("brand-a");
            assertThat(b.tenant()).isEqualTo("brand-b");
            assertThat(store.size()).isEqualTo(2);
            assertThat(historyCount(brandA)).isEqualTo(1);
            assertThat(historyCount(brandB)).isEqualTo(1);
        }

        @Test
        void recordWhenTheSameKeyIsRepeatedWithinEachTenantThenEachTenantKeepsItsFirstRecord() {
            ConsentManager brandA = managerFor("brand-a");
            ConsentManager brandB = managerFor("brand-b");
            ConsentRecord a = brandA.record(grant("cust-42", "marketing.email", "req-1"));
            ConsentRecord b = brandB.record(grant("cust-42", "marketing.email", "req-1"));

            assertThat(brandA.record(grant("cust-42", "marketing.email", "req-1"))
                            .id())
                    .isEqualTo(a.id());
            assertThat(brandB.record(grant("cust-42", "marketing.email", "req-1"))
                            .id())
                    .isEqualTo(b.id());
            assertThat(store.size()).isEqualTo(2);
        }
    }

    @Nested
    class RecordAll {

        @Test
        void recordAllWhenAKeyIsRepeatedInTheBatchThenRefusedNamingTheLaterCommandAndNothingIsWritten() {
            assertThatThrownBy(() -> manager.recordAll(List.of(
                            grant("cust-1", "marketing.email", "batch-1"),
                            grant("cust-2", "marketing.email", "batch-2"),
                            grant("cust-1", "marketing.sms", "batch-1"))))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("commands[2].idempotencyKey"));

            assertThat(historyCount(manager)).isZero();
            assertThat(published).isEmpty();
        }

        @Test
        void recordAllWhenAKeyWasUsedBeforeThenTheEarlierRecordIsReturnedAndTheRestIsWritten() {
            ConsentRecord earlier = manager.record(grant("cust-1", "marketing.email", "req-1"));

            List<ConsentRecord> results = manager.recordAll(
                    List.of(grant("cust-1", "marketing.email", "req-1"), grant("cust-2", "marketing.email", "req-2")));

            assertThat(results.get(0).id()).isEqualTo(earlier.id());
            assertThat(results.get(1).subject().value()).isEqualTo("cust-2");
            assertThat(historyCount(manager)).isEqualTo(2);
        }

        @Test
        void recordAllWhenTheWholeBatchIsRetriedThenNothingMoreIsWritten() {
            List<ConsentCommand> batch = List.of(
                    grant("cust-1", "marketing.email", "b-1"),
                    grant("cust-2", "marketing.email", "b-2"),
                    grant("cust-3", "marketing.sms", "b-3"));

            List<ConsentRecord> first = manager.recordAll(batch);
            List<ConsentRecord> retry = manager.recordAll(batch);

            assertThat(retry)
                    .extracting(ConsentRecord::id)
                    .containsExactlyElementsOf(
                            first.stream().map(ConsentRecord::id).toList());
            assertThat(historyCount(manager)).isEqualTo(3);
            assertThat(published).hasSize(3);
        }
    }

    /**
     * Keys ConsentKit generates are new by construction, so a write without a caller's key looks nothing up (no
     * extra statement on a database, no store-wide lock in memory); callers may therefore not use their prefix.
     */
    @Nested
    class GeneratedKeys {

        @Test
        void aCallersKeyWithTheGeneratedPrefixIsRefusedAndNothingIsWritten() {
            assertThatThrownBy(() -> manager.record(grant("cust-1", "marketing.email", "ck:mine")))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).violations())
                            .anySatisfy(v -> assertThat(v.field()).isEqualTo("idempotencyKey")));
            assertThatThrownBy(() -> manager.recordAll(List.of(
                            grant("cust-1", "marketing.email", "fine"), grant("cust-2", "marketing.email", "ck:mine"))))
                    .isInstanceOf(InvalidConsentRequestException.class)
                    .satisfies(e -> assertThat(((InvalidConsentRequestException) e).violations())
                            .anySatisfy(v -> assertThat(v.field()).isEqualTo("commands[1].idempotencyKey")));
            assertThat(historyCount(manager)).isZero();
        }

        @Test
        void writesWithoutACallersKeyLookNoKeyUpWhileACallersKeyIsLookedUp() {
            java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
            ConsentManager counted = ConsentManager.builder()
                    .purposes(EMAIL, SMS)
                    .store(new CountingLookups(store, lookups))
                    .clock(CLOCK)
                    .build();

            ConsentRecord unkeyed = counted.record(ConsentCommand.grant("cust-1", "marketing.email")
                    .evidence(Evidence.of(Source.WEB, "signup-form"))
                    .build());
            counted.recordAll(List.of(
                    ConsentCommand.withdraw("cust-1", "marketing.email").build(),
                    ConsentCommand.grant("cust-2", "marketing.sms").build()));

            assertThat(unkeyed.idempotencyKey())
                    .hasValueSatisfying(k -> assertThat(k).startsWith("ck:"));
            assertThat(lookups).hasValue(0);
            counted.record(grant("cust-3", "marketing.email", "form-1"));
            assertThat(lookups).hasValue(1);
            assertThat(historyCount(counted)).isEqualTo(4);
        }
    }

    /** The in-memory store, counting the idempotency lookups its write transactions are asked for. */
    private record CountingLookups(InMemoryConsentStore delegate, java.util.concurrent.atomic.AtomicInteger lookups)
            implements dev.consentkit.core.spi.ConsentStore {

        @Override
        public <T> T inWriteTransaction(String operation, dev.consentkit.core.spi.StoreWork<T> work) {
            return delegate.inWriteTransaction(
                    operation,
                    tx -> work.run(new dev.consentkit.core.spi.StoreTransaction() {
                        @Override
                        public java.util.Map<SubjectId, dev.consentkit.core.spi.SubjectState> lock(
                                String tenant, List<SubjectId> subjects) {
                            return tx.lock(tenant, subjects);
                        }

                        @Override
                        public java.util.Map<SubjectId, dev.consentkit.core.spi.SubjectState> lock(
                                String tenant, List<SubjectId> subjects, java.util.Set<PurposeId> purposes) {
                            return tx.lock(tenant, subjects, purposes);
                        }

                        @Override
                        public java.util.Set<SubjectId> erasedAmong(
                                String tenant, java.util.Collection<SubjectId> pseudonyms) {
                            return tx.erasedAmong(tenant, pseudonyms);
                        }

                        @Override
                        public java.util.Map<String, dev.consentkit.core.spi.KeyedRecord> recordsByIdempotencyKey(
                                String tenant, java.util.Collection<String> keys) {
                            lookups.incrementAndGet();
                            return tx.recordsByIdempotencyKey(tenant, keys);
                        }

                        @Override
                        public java.util.Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
                            return tx.preferences(tenant, subject);
                        }

                        @Override
                        public void pseudonymise(String tenant, SubjectId subject, SubjectId pseudonym) {
                            tx.pseudonymise(tenant, subject, pseudonym);
                        }

                        @Override
                        public void write(List<dev.consentkit.core.spi.SubjectChanges> changes) {
                            tx.write(changes);
                        }
                    }));
        }

        @Override
        public java.util.Optional<dev.consentkit.core.spi.SubjectState> state(String tenant, SubjectId subject) {
            return delegate.state(tenant, subject);
        }

        @Override
        public java.util.Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return delegate.preferences(tenant, subject);
        }

        @Override
        public java.util.Optional<ConsentRecord> findRecord(String tenant, java.util.UUID id) {
            return delegate.findRecord(tenant, id);
        }

        @Override
        public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
            return delegate.history(tenant, query);
        }

        @Override
        public Stream<AuditEntry> chains(String tenant, java.util.Optional<SubjectId> subject) {
            return delegate.chains(tenant, subject);
        }

        @Override
        public java.util.Optional<ChainLink> head(String tenant, SubjectId subject) {
            return delegate.head(tenant, subject);
        }
    }
}
