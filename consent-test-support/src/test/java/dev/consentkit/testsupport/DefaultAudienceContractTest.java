package dev.consentkit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a store that keeps the SPI's defaults of {@code audience} and {@code decidingRecords}
 * (everything else forwarded to the in-memory store): what a third-party store gets without writing them.
 */
class DefaultAudienceContractTest extends ConsentStoreContract {

    private final AtomicInteger openChains = new AtomicInteger();

    @Override
    protected ConsentStore newStore() {
        return new Forwarding(new InMemoryConsentStore(), openChains);
    }

    @Test
    void closingTheAudienceClosesTheStoresStream() {
        consents.record(ConsentCommand.grant("a", "marketing.email").build());
        consents.record(ConsentCommand.grant("b", "marketing.email").build());

        try (Stream<SubjectId> s = consents.allowedSubjects("marketing.email")) {
            assertThat(s.iterator().next()).isEqualTo(SubjectId.of("a"));
            assertThat(openChains).hasValue(1);
        }
        assertThat(openChains).hasValue(0);
    }

    /** Forwards every method with a body of its own in the SPI except the two under test. */
    private record Forwarding(InMemoryConsentStore delegate, AtomicInteger openChains) implements ConsentStore {

        @Override
        public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
            return delegate.inWriteTransaction(operation, work);
        }

        @Override
        public Optional<SubjectState> state(String tenant, SubjectId subject) {
            return delegate.state(tenant, subject);
        }

        @Override
        public Map<PurposeId, ConsentRecord> currentRecords(
                String tenant, SubjectId subject, Collection<PurposeId> purposes) {
            return delegate.currentRecords(tenant, subject, purposes);
        }

        @Override
        public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return delegate.preferences(tenant, subject);
        }

        @Override
        public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
            return delegate.findRecord(tenant, id);
        }

        @Override
        public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
            return delegate.history(tenant, query);
        }

        @Override
        public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
            openChains.incrementAndGet();
            return delegate.chains(tenant, subject).onClose(openChains::decrementAndGet);
        }

        @Override
        public VerificationReport verify(String tenant, Optional<SubjectId> subject) {
            return delegate.verify(tenant, subject);
        }

        @Override
        public Optional<ChainLink> head(String tenant, SubjectId subject) {
            return delegate.head(tenant, subject);
        }

        @Override
        public void savePurposes(String tenant, Collection<Purpose> purposes) {
            delegate.savePurposes(tenant, purposes);
        }

        @Override
        public void saveCheckpoint(Checkpoint checkpoint) {
            delegate.saveCheckpoint(checkpoint);
        }

        @Override
        public List<Checkpoint> checkpoints(String tenant) {
            return delegate.checkpoints(tenant);
        }

        @Override
        public Set<UUID> entryIdsAmong(String tenant, SubjectId subject, Collection<UUID> entryIds) {
            return delegate.entryIdsAmong(tenant, subject, entryIds);
        }
    }
}
