package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.spi.CheckpointLeaf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming tree equals RFC 6962's recursive definition for every size, and rejects unordered leaves. */
class MerkleTreeTest {

    @Test
    void streamingEqualsTheRecursiveDefinition() throws Exception {
        for (int n = 0; n <= 33; n++) {
            List<byte[]> leaves = new ArrayList<>();
            MerkleTree tree = new MerkleTree();
            for (int i = 0; i < n; i++) {
                byte[] leaf = ("leaf-" + i).getBytes(StandardCharsets.US_ASCII);
                leaves.add(leaf);
                tree.add(leaf);
            }
            assertThat(tree.rootHex()).as("n=%d", n).isEqualTo(HexFormat.of().formatHex(mth(leaves)));
            assertThat(tree.count()).isEqualTo(n);
        }
    }

    @Test
    void knownVectors() throws Exception {
        MerkleTree one = new MerkleTree();
        one.add(new byte[0]);
        // RFC 6962 test vector: the hash of one empty leaf
        assertThat(one.rootHex()).isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        assertThat(new MerkleTree().rootHex())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void leavesOutOfHashOrderAreRefused() {
        List<CheckpointLeaf> unordered =
                List.of(new CheckpointLeaf(1, "b".repeat(64)), new CheckpointLeaf(1, "a".repeat(64)));

        assertThatThrownBy(() -> MerkleTree.over(unordered.iterator())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aChainLeafIsTheSequenceThenTheHashDigits() {
        byte[] leaf = MerkleTree.chainLeaf(258, "ab");

        assertThat(leaf).containsExactly(0, 0, 0, 0, 0, 0, 1, 2, 'a', 'b');
    }

    /** RFC 6962 section 2.1, written as the RFC defines it. */
    private static byte[] mth(List<byte[]> d) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (d.isEmpty()) {
            return sha.digest();
        }
        if (d.size() == 1) {
            sha.update((byte) 0);
            return sha.digest(d.get(0));
        }
        int k = Integer.highestOneBit(d.size() - 1);
        byte[] left = mth(d.subList(0, k));
        byte[] right = mth(d.subList(k, d.size()));
        sha.update((byte) 1);
        sha.update(left);
        return sha.digest(right);
    }
}
