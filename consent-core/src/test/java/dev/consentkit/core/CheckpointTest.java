package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.VerificationReport.CheckpointProblem;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.StoreWork;
import dev.consentkit.core.spi.SubjectState;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Signed checkpoints on the in-memory store: the two attacks {@code verify()} cannot see (a chain deleted with its
 * head and state; a chain rewound together with its head and state) are caught, legitimate writes and erasures after
 * a checkpoint still verify, and a forged, altered or foreign checkpoint is refused.
 */
class CheckpointTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-hmac".getBytes(StandardCharsets.UTF_8);

    private final MovableClock clock = new MovableClock(NOW);
    private final InMemoryConsentStore memory = new InMemoryConsentStore();
    private final Tampering store = new Tampering(memory);
    private final KeyPair ed25519 = ed25519();
    private final CheckpointKey signing = CheckpointKey.ed25519(ed25519.getPrivate(), ed25519.getPublic(), "ck-2026");

    private ConsentManager manager(CheckpointKey key) {
        return TestFixtures.manager()
                .store(store)
                .clock(clock)
                .pseudonymKey(TestFixtures.PSEUDONYM_KEY)
                .checkpointKey(key)
                .build();
    }

    private final ConsentManager consents = manager(signing);

    /** Three subjects; cust-2 granted, then withdrew. Returns a checkpoint taken a minute later. */
    private Checkpoint recordThenCheckpoint() {
        consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
        consents.record(ConsentCommand.grant("cust-2", "marketing.email").build());
        clock.advance(Duration.ofSeconds(1));
        consents.record(ConsentCommand.withdraw("cust-2", "marketing.email").build());
        consents.record(ConsentCommand.grant("cust-3", "analytics").build());
        clock.advance(Duration.ofMinutes(1));
        return consents.checkpoint();
    }

    @Test
    void aCheckpointCountsEveryChainAndVerifies() {
        Checkpoint checkpoint = recordThenCheckpoint();

        assertThat(checkpoint.tenant()).isEqualTo("default");
        assertThat(checkpoint.chainCount()).isEqualTo(3);
        assertThat(checkpoint.algorithm()).isEqualTo("Ed25519");
        assertThat(checkpoint.keyId()).isEqualTo("ck-2026");
        assertThat(checkpoint.createdAt())
                .isEqualTo(clock.instant()
                        .truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                        .minusSeconds(60));
        assertThat(memory.checkpoints("default")).containsExactly(checkpoint);
        assertThat(consents.verify(checkpoint).intact()).isTrue();
    }

    @Test
    void anEmptyTenantHasTheRootOfNoLeaves() {
        Checkpoint checkpoint = consents.checkpoint();

        assertThat(checkpoint.chainCount()).isZero();
        // SHA-256 of nothing (RFC 6962: the hash of an empty list)
        assertThat(checkpoint.merkleRoot())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(consents.verify(checkpoint).intact()).isTrue();
    }

    @Test
    void writesWithinTheGraceBeforeTheCheckpointAreNotCovered() {
        consents.record(ConsentCommand.grant("cust-1", "marketing.email").build());
        clock.advance(Duration.ofSeconds(59)); // within the checkpoint grace (1 min): possibly still in flight

        Checkpoint checkpoint = consents.checkpoint();

        assertThat(checkpoint.chainCount()).isZero();
    }

    @Nested
    class Attacks {

        @Test
        void aWholeChainDeletedWithItsHeadAndStateIsCaught() {
            Checkpoint checkpoint = recordThenCheckpoint();
            store.delete(SubjectId.of("cust-1"));

            assertThat(consents.verify().intact())
                    .as("undetectable without a checkpoint")
                    .isTrue();
            VerificationReport report = consents.verify(checkpoint);

            assertThat(report.intact()).isFalse();
            assertThat(report.checkpointProblems())
                    .containsExactly(new CheckpointProblem("default", checkpoint.id(), Problem.CHAIN_MISSING, 3, 2));
        }

        @Test
        void aChainRewoundWithItsHeadAndStateIsCaught() {
            Checkpoint checkpoint = recordThenCheckpoint();
            store.rewind(SubjectId.of("cust-2"), 1);

            assertThat(consents.check("cust-2", "marketing.email").allowed())
                    .as("the withdrawal is gone")
                    .isTrue();
            assertThat(consents.verify().intact())
                    .as("undetectable without a checkpoint")
                    .isTrue();
            VerificationReport report = consents.verify(checkpoint);

            assertThat(report.checkpointProblems())
                    .extracting(CheckpointProblem::problem)
                    .containsExactly(Problem.CHAIN_REWOUND);
        }

        @Test
        void aChainRewoundToBeforeTheCheckpointAfterLaterWritesIsCaught() {
            Checkpoint checkpoint = recordThenCheckpoint();
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
            store.rewind(SubjectId.of("cust-2"), 1);

            assertThat(consents.verify(checkpoint).checkpointProblems())
                    .extracting(CheckpointProblem::problem)
                    .containsExactly(Problem.CHAIN_REWOUND);
        }

        @Test
        void entriesRecordedAfterTheCheckpointAreNotCovered() {
            Checkpoint checkpoint = recordThenCheckpoint();
            clock.advance(Duration.ofMinutes(1));
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
            store.rewind(SubjectId.of("cust-1"), 1);

            assertThat(consents.verify(checkpoint).intact()).isTrue();
        }
    }

    @Nested
    class LegitimateChanges {

        @Test
        void writesAndNewSubjectsAfterTheCheckpointStillVerify() {
            Checkpoint checkpoint = recordThenCheckpoint();
            consents.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());
            consents.record(ConsentCommand.grant("cust-9", "analytics").build());

            VerificationReport report = consents.verify(checkpoint);

            assertThat(report.intact()).isTrue();
            assertThat(report.subjectsChecked()).isEqualTo(4);
            assertThat(consents.checkpoint().chainCount()).isEqualTo(3); // the new writes are still in the grace
        }

        @Test
        void anErasureAfterTheCheckpointStillVerifies() {
            Checkpoint checkpoint = recordThenCheckpoint();

            consents.erase("cust-2", "request");

            assertThat(consents.verify(checkpoint).intact()).isTrue();
        }

        @Test
        void theAuditorVerifiesWithThePublicKeyAlone() {
            Checkpoint checkpoint = Checkpoint.parse(recordThenCheckpoint().toText());
            CheckpointVerifier auditor = new CheckpointVerifier(
                    memory, "default", CheckpointKey.ed25519Verifier(ed25519.getPublic(), "ck-2026"));

            assertThat(auditor.verify(checkpoint).intact()).isTrue();
            assertThatThrownBy(() -> manager(CheckpointKey.ed25519Verifier(ed25519.getPublic(), "ck-2026"))
                            .checkpoint())
                    .isInstanceOf(IllegalStateException.class);
        }

        @Test
        void hmacCheckpointsSignAndVerify() {
            ConsentManager hmac = manager(CheckpointKey.hmac(SECRET, "shared-1"));
            hmac.record(ConsentCommand.grant("cust-1", "marketing.email").build());
            clock.advance(Duration.ofMinutes(1));

            Checkpoint checkpoint = hmac.checkpoint();

            assertThat(checkpoint.algorithm()).isEqualTo("HmacSHA256");
            assertThat(hmac.verify(checkpoint).intact()).isTrue();
            byte[] otherSecret = SECRET.clone();
            otherSecret[0] ^= 1;
            assertThat(manager(CheckpointKey.hmac(otherSecret, "shared-1"))
                            .verify(checkpoint)
                            .checkpointProblems())
                    .extracting(CheckpointProblem::problem)
                    .containsExactly(Problem.CHECKPOINT_SIGNATURE_INVALID);
        }
    }

    @Nested
    class ForgedCheckpoints {

        private Problem problemOf(Checkpoint forged) {
            List<CheckpointProblem> problems = consents.verify(forged).checkpointProblems();
            assertThat(problems).hasSize(1);
            return problems.get(0).problem();
        }

        @Test
        void anAlteredCountRootTimeOrSignatureIsRefused() {
            Checkpoint c = recordThenCheckpoint();
            String otherRoot = "0".repeat(64);
            byte[] sig = java.util.Base64.getDecoder().decode(c.signature());
            sig[3] ^= 1;

            assertThat(problemOf(new Checkpoint(
                            c.tenant(),
                            c.id(),
                            c.createdAt(),
                            4,
                            c.merkleRoot(),
                            c.algorithm(),
                            c.keyId(),
                            c.signature())))
                    .isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
            assertThat(problemOf(new Checkpoint(
                            c.tenant(),
                            c.id(),
                            c.createdAt(),
                            c.chainCount(),
                            otherRoot,
                            c.algorithm(),
                            c.keyId(),
                            c.signature())))
                    .isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
            assertThat(problemOf(new Checkpoint(
                            c.tenant(),
                            c.id(),
                            c.createdAt().minusSeconds(60),
                            c.chainCount(),
                            c.merkleRoot(),
                            c.algorithm(),
                            c.keyId(),
                            c.signature())))
                    .isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
            assertThat(problemOf(new Checkpoint(
                            c.tenant(),
                            c.id(),
                            c.createdAt(),
                            c.chainCount(),
                            c.merkleRoot(),
                            c.algorithm(),
                            c.keyId(),
                            java.util.Base64.getEncoder().encodeToString(sig))))
                    .isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
            assertThat(problemOf(new Checkpoint(
                            c.tenant(),
                            c.id(),
                            c.createdAt(),
                            c.chainCount(),
                            c.merkleRoot(),
                            c.algorithm(),
                            "other",
                            c.signature())))
                    .isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
        }

        @Test
        void aCheckpointSignedByAnotherKeyIsRefused() {
            recordThenCheckpoint();
            KeyPair other = ed25519();
            Checkpoint forged = manager(CheckpointKey.ed25519(other.getPrivate(), other.getPublic(), "ck-2026"))
                    .checkpoint();

            assertThat(problemOf(forged)).isEqualTo(Problem.CHECKPOINT_SIGNATURE_INVALID);
        }

        @Test
        void aCheckpointOfAnotherTenantIsRefused() {
            ConsentManager other = TestFixtures.manager()
                    .store(store)
                    .clock(clock)
                    .tenant("brand-b")
                    .checkpointKey(signing)
                    .build();
            Checkpoint foreign = other.checkpoint();

            assertThat(problemOf(foreign)).isEqualTo(Problem.CHECKPOINT_OTHER_TENANT);
        }

        @Test
        void withoutAKeyCheckpointsAreUnavailable() {
            ConsentManager keyless = TestFixtures.manager().store(store).build();

            assertThatThrownBy(keyless::checkpoint).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> keyless.verify(recordThenCheckpoint())).isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    class TextForm {

        @Test
        void theTextFormRoundTrips() {
            Checkpoint c = recordThenCheckpoint();

            assertThat(Checkpoint.parse(c.toText())).isEqualTo(c);
            assertThat(Checkpoint.parse(c.toText().replace("\n", "\r\n") + "\n"))
                    .isEqualTo(c);
            assertThat(c.toText()).startsWith("ConsentKit checkpoint v1\ntenant=default\nid=" + c.id() + "\n");
        }

        @Test
        void malformedTextIsRejectedNamingTheField() {
            String text = recordThenCheckpoint().toText();

            assertRejected("", "checkpoint");
            assertRejected(text.replace("ConsentKit checkpoint v1", "checkpoint"), "checkpoint");
            assertRejected(text.replaceAll("chain-count=\\d+", "chain-count=three"), "checkpoint.chainCount");
            assertRejected(text.replaceAll("chain-count=\\d+", "chain-count=-1"), "checkpoint.chainCount");
            assertRejected(text.replaceAll("merkle-root=\\w+", "merkle-root=abc"), "checkpoint.merkleRoot");
            assertRejected(text.replaceAll("id=[-0-9a-f]+", "id=x"), "checkpoint.id");
            assertRejected(text.replaceAll("created-at=\\S+", "created-at=yesterday"), "checkpoint.createdAt");
            assertRejected(text.replaceAll("algorithm=\\w+", "algorithm=RSA"), "checkpoint.algorithm");
            assertRejected(text.replaceAll("signature=\\S+", "signature=***"), "checkpoint.signature");
            assertRejected(text.replaceAll("key-id=.*\n", ""), "checkpoint.keyId");
            assertRejected(text + "tenant=default\n", "checkpoint.tenant");
            assertRejected(text + "colour=blue\n", "checkpoint");
        }

        private void assertRejected(String text, String field) {
            assertThatThrownBy(() -> Checkpoint.parse(text))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly(field));
        }
    }

    @Nested
    class Keys {

        @Test
        void keysAreReadFromPemAndNeverPrinted() {
            String pem = "-----BEGIN PUBLIC KEY-----\n"
                    + java.util.Base64.getMimeEncoder()
                            .encodeToString(ed25519.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
            String privatePem = java.util.Base64.getEncoder()
                    .encodeToString(ed25519.getPrivate().getEncoded());

            CheckpointKey key = CheckpointKey.ed25519(
                    CheckpointKey.readEd25519PrivateKey(privatePem), CheckpointKey.readEd25519PublicKey(pem), "k");

            assertThat(key.canSign()).isTrue();
            assertThat(key.toString())
                    .doesNotContain(privatePem.substring(20, 40))
                    .contains("redacted");
            assertThatThrownBy(() -> CheckpointKey.readEd25519PublicKey("not a key"))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("publicKey"));
            assertThatThrownBy(() -> CheckpointKey.hmac(new byte[16], "k"))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("secret"));
            assertThatThrownBy(() -> CheckpointKey.hmac(SECRET, "a key"))
                    .isInstanceOfSatisfying(
                            InvalidConsentRequestException.class,
                            e -> assertThat(e.fields()).containsExactly("keyId"));
        }
    }

    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A clock the test moves on. */
    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * The in-memory store as someone who can edit it leaves it: a subject deleted with its head and state, or a chain
     * cut back to an earlier entry with its head and state moved there, so that chain, head and state agree.
     */
    static final class Tampering implements ConsentStore {
        private final InMemoryConsentStore delegate;
        private final Map<SubjectId, Long> cutAt = new HashMap<>();

        Tampering(InMemoryConsentStore delegate) {
            this.delegate = delegate;
        }

        void delete(SubjectId subject) {
            cutAt.put(subject, 0L);
        }

        void rewind(SubjectId subject, long toSequence) {
            cutAt.put(subject, toSequence);
        }

        private boolean kept(AuditEntry e) {
            Long cut = cutAt.get(e.subject());
            return cut == null || e.link().sequence() <= cut;
        }

        private List<AuditEntry> chain(String tenant, SubjectId subject) {
            try (Stream<AuditEntry> s = delegate.chains(tenant, Optional.of(subject))) {
                return s.filter(this::kept).toList();
            }
        }

        @Override
        public <T> T inWriteTransaction(String operation, StoreWork<T> work) {
            return delegate.inWriteTransaction(operation, work);
        }

        @Override
        public Optional<SubjectState> state(String tenant, SubjectId subject) {
            if (!cutAt.containsKey(subject)) {
                return delegate.state(tenant, subject);
            }
            List<AuditEntry> chain = chain(tenant, subject);
            if (chain.isEmpty()) {
                return Optional.empty();
            }
            Map<PurposeId, ConsentRecord> current = new HashMap<>();
            for (AuditEntry e : chain) {
                if (e instanceof ConsentRecord r) {
                    current.merge(r.purpose(), r, (a, b) -> SubjectState.supersedes(b, a) ? b : a);
                }
            }
            AuditEntry last = chain.get(chain.size() - 1);
            return Optional.of(new SubjectState(
                    tenant, subject, Optional.of(last.link()), Optional.of(last.recordedAt()), current, false));
        }

        @Override
        public Map<String, PreferenceRecord> preferences(String tenant, SubjectId subject) {
            return cutAt.containsKey(subject) ? Map.of() : delegate.preferences(tenant, subject);
        }

        @Override
        public Optional<ConsentRecord> findRecord(String tenant, UUID id) {
            return delegate.findRecord(tenant, id).filter(this::kept);
        }

        @Override
        public Stream<AuditEntry> history(String tenant, HistoryQuery query) {
            return delegate.history(tenant, query).filter(this::kept);
        }

        @Override
        public Stream<AuditEntry> chains(String tenant, Optional<SubjectId> subject) {
            return delegate.chains(tenant, subject).filter(this::kept);
        }

        @Override
        public Optional<ChainLink> head(String tenant, SubjectId subject) {
            return state(tenant, subject).flatMap(SubjectState::head);
        }

        @Override
        public void saveCheckpoint(Checkpoint checkpoint) {
            delegate.saveCheckpoint(checkpoint);
        }

        @Override
        public List<Checkpoint> checkpoints(String tenant) {
            return delegate.checkpoints(tenant);
        }
    }
}
