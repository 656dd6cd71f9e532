package dev.consentkit.core;

import dev.consentkit.core.VerificationReport.CheckpointProblem;
import dev.consentkit.core.VerificationReport.Problem;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.MerkleTree;
import dev.consentkit.core.spi.CheckpointLeaf;
import dev.consentkit.core.spi.ConsentStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Verifies {@link Checkpoint checkpoints} against a store without a {@link ConsentManager}: what an auditor runs
 * with read access to the database and the checkpoint key (for Ed25519 the public key alone,
 * {@link CheckpointKey#ed25519Verifier}). Thread-safe.
 *
 * <p>A checkpoint proves, for its tenant, that every entry recorded at or before its {@link Checkpoint#createdAt()
 * instant} is still in the log unchanged: it recomputes the count and Merkle root from the log's entries recorded by
 * then (see {@link Checkpoint} for the leaves and the tree) and compares them with the signed ones. Entries recorded
 * later are not covered: writes after a checkpoint verify, and so would a deletion of them until the next checkpoint.
 * What it cannot prove: anything against whoever holds the signing key (an HMAC secret, or the Ed25519 private key)
 * and can edit the database, since they can sign a new checkpoint over an edited log; the auditor's own earlier
 * copies still catch them, the database's list of checkpoints does not.
 */
public final class CheckpointVerifier {

    private final ConsentStore store;
    private final String tenant;
    private final CheckpointKey key;

    /** Verifies checkpoints of {@code tenant} in {@code store} under {@code key}. */
    public CheckpointVerifier(ConsentStore store, String tenant, CheckpointKey key) {
        this.store = Checks.notNull(store, "store");
        this.tenant = Checks.notBlank(tenant, "tenant");
        this.key = Checks.notNull(key, "key");
    }

    /**
     * Verifies every chain of the tenant ({@link ConsentStore#verify}) and the checkpoint: one report with the broken
     * chains and the {@linkplain VerificationReport#checkpointProblems() checkpoint problems}.
     */
    public VerificationReport verify(Checkpoint checkpoint) {
        Checks.notNull(checkpoint, "checkpoint");
        VerificationReport chains = store.verify(tenant, Optional.empty());
        return new VerificationReport(
                chains.recordsChecked(),
                chains.subjectsChecked(),
                chains.brokenChains(),
                checkpointProblems(checkpoint));
    }

    /**
     * The checkpoint's problems only, without walking the chains: the signature, the tenant, then the count and root
     * recomputed from the log (one read of one leaf per chain). Empty when the checkpoint holds.
     */
    public List<CheckpointProblem> checkpointProblems(Checkpoint checkpoint) {
        Checks.notNull(checkpoint, "checkpoint");
        UUID id = checkpoint.id();
        if (!key.algorithm().equals(checkpoint.algorithm())
                || !key.keyId().equals(checkpoint.keyId())
                || !key.verifies(checkpoint.signedBytes(), checkpoint.signature())) {
            return List.of(new CheckpointProblem(
                    checkpoint.tenant(), id, Problem.CHECKPOINT_SIGNATURE_INVALID, checkpoint.chainCount(), -1));
        }
        if (!checkpoint.tenant().equals(tenant)) {
            return List.of(new CheckpointProblem(
                    checkpoint.tenant(), id, Problem.CHECKPOINT_OTHER_TENANT, checkpoint.chainCount(), -1));
        }
        MerkleTree found = tree(store, tenant, checkpoint.createdAt());
        Problem problem;
        if (found.count() < checkpoint.chainCount()) {
            problem = Problem.CHAIN_MISSING;
        } else if (found.count() > checkpoint.chainCount()) {
            problem = Problem.CHAIN_BACKDATED;
        } else if (!found.rootHex().equals(checkpoint.merkleRoot())) {
            problem = Problem.CHAIN_REWOUND;
        } else {
            return List.of();
        }
        return List.of(new CheckpointProblem(tenant, id, problem, checkpoint.chainCount(), found.count()));
    }

    /** The tree over the tenant's leaves at {@code until}, read one leaf at a time. */
    static MerkleTree tree(ConsentStore store, String tenant, Instant until) {
        try (Stream<CheckpointLeaf> leaves = store.checkpointLeaves(tenant, until)) {
            return MerkleTree.over(leaves.iterator());
        }
    }

    /** Signs a new checkpoint of {@code tenant} covering what the log held at {@code until}. */
    static Checkpoint create(ConsentStore store, String tenant, CheckpointKey key, Instant until) {
        MerkleTree tree = tree(store, tenant, until);
        UUID id = UUID.randomUUID();
        String root = tree.rootHex();
        byte[] signed = Checkpoint.unsignedText(tenant, id, until, tree.count(), root, key.algorithm(), key.keyId())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Checkpoint(tenant, id, until, tree.count(), root, key.algorithm(), key.keyId(), key.sign(signed));
    }
}
