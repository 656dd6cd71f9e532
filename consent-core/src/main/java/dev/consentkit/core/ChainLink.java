package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;

/**
 * An entry's place in its subject's hash chain.
 *
 * @param sequence     1 for a subject's first entry, then 2, 3, ... without gaps
 * @param previousHash the hash of the previous entry ({@link #GENESIS} for the first)
 * @param hash         lower-case hex SHA-256 over this entry's canonical encoding and {@code previousHash}
 */
public record ChainLink(long sequence, String previousHash, String hash) {

    /** The previous hash of a subject's first entry: 64 zeros. */
    public static final String GENESIS = "0".repeat(64);

    /** The placeholder an entry carries before the store seals it into the chain. */
    public static final ChainLink UNSEALED = new ChainLink(0, GENESIS, "");

    public ChainLink {
        Checks.notNull(previousHash, "chainLink.previousHash");
        Checks.notNull(hash, "chainLink.hash");
        Checks.check(sequence >= 0, "chainLink.sequence", "must not be negative");
    }

    /** True once the store has sealed the entry. */
    public boolean isSealed() {
        return sequence > 0;
    }
}
