package dev.consentkit.core.internal;

import dev.consentkit.core.spi.CheckpointLeaf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Internal API; may change without notice. A Merkle tree hash over leaves given one at a time in order, keeping only
 * the roots of the complete subtrees built so far (at most one per bit of the leaf count: O(log n) hashes).
 *
 * <p>The tree is the one of RFC 6962 section 2.1 over SHA-256: a leaf's hash is {@code SHA-256(0x00 || leaf)}, an
 * inner node's {@code SHA-256(0x01 || left || right)}; for n &gt; 1 leaves the left subtree holds the largest power
 * of two smaller than n leaves and the right subtree the rest; the hash of no leaves is {@code SHA-256()} of
 * nothing. Building left to right, each new leaf is merged with the equal-sized subtrees before it; at the end the
 * remaining subtrees are folded from the right, which gives exactly that tree.
 */
public final class MerkleTree {

    private final MessageDigest digest = newSha256();
    /** Roots of complete subtrees, largest (leftmost) first, with their sizes. */
    private final List<byte[]> roots = new ArrayList<>();

    private final List<Long> sizes = new ArrayList<>();
    private long count;

    /** Adds the next leaf. */
    public void add(byte[] leaf) {
        digest.update((byte) 0);
        byte[] node = digest.digest(leaf);
        long size = 1;
        while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == size) {
            byte[] left = roots.remove(roots.size() - 1);
            sizes.remove(sizes.size() - 1);
            node = inner(left, node);
            size *= 2;
        }
        roots.add(node);
        sizes.add(size);
        count++;
    }

    /** How many leaves were added. */
    public long count() {
        return count;
    }

    /** The lower-case hex root over the leaves added so far. */
    public String rootHex() {
        if (roots.isEmpty()) {
            return HexFormat.of().formatHex(digest.digest());
        }
        byte[] node = roots.get(roots.size() - 1);
        for (int i = roots.size() - 2; i >= 0; i--) {
            node = inner(roots.get(i), node);
        }
        return HexFormat.of().formatHex(node);
    }

    /**
     * The leaf of one chain in a checkpoint: the 8-byte big-endian sequence number of the chain's last covered entry,
     * then the US-ASCII bytes of that entry's hash (64 lower-case hex digits).
     */
    public static byte[] chainLeaf(long sequence, String hash) {
        byte[] h = hash.getBytes(StandardCharsets.US_ASCII);
        byte[] leaf = new byte[8 + h.length];
        for (int i = 0; i < 8; i++) {
            leaf[i] = (byte) (sequence >>> (56 - 8 * i));
        }
        System.arraycopy(h, 0, leaf, 8, h.length);
        return leaf;
    }

    /**
     * The count and root over {@code leaves}, which must come ordered by hash (non-descending, as
     * {@link String#compareTo} orders lower-case hex); reads them one at a time.
     *
     * @throws IllegalStateException if a store returned them out of order
     */
    public static MerkleTree over(Iterator<CheckpointLeaf> leaves) {
        MerkleTree tree = new MerkleTree();
        String previous = null;
        while (leaves.hasNext()) {
            CheckpointLeaf leaf = leaves.next();
            if (previous != null && previous.compareTo(leaf.hash()) > 0) {
                throw new IllegalStateException("the store returned checkpoint leaves out of hash order");
            }
            previous = leaf.hash();
            tree.add(chainLeaf(leaf.sequence(), leaf.hash()));
        }
        return tree;
    }

    private byte[] inner(byte[] left, byte[] right) {
        digest.update((byte) 1);
        digest.update(left);
        return digest.digest(right);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
