package dev.consentkit.core.spi;

import dev.consentkit.core.internal.Checks;

/**
 * One chain as a checkpoint covers it: its last entry recorded at or before the checkpoint's instant. The subject is
 * left out on purpose: erasure replaces it with a pseudonym, and the entry's hash already names the chain.
 *
 * @param sequence that entry's sequence number
 * @param hash     that entry's hash (lower-case hex SHA-256)
 */
public record CheckpointLeaf(long sequence, String hash) {
    public CheckpointLeaf {
        Checks.notNull(hash, "checkpointLeaf.hash");
    }
}
