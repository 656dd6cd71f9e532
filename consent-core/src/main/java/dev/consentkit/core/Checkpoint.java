package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.IsoInstants;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A signed statement of what a tenant's log held at one instant: how many subject chains had entries recorded at or
 * before {@link #createdAt}, and a Merkle root over each such chain's last entry then. An auditor keeps its
 * {@linkplain #toText() text} outside the database; {@link CheckpointVerifier} later proves from the log that nothing
 * recorded by then was removed or rewound.
 *
 * <p><b>The leaves.</b> For every chain of the tenant (a subject's, or after erasure its pseudonym's) that has an
 * entry recorded at or before {@code createdAt}, the leaf is the sequence number and hash of the last such entry,
 * encoded as the 8-byte big-endian sequence number followed by the 64 ASCII hex digits of the hash. Leaves are
 * ordered by hash (as bytes); the subject is left out, so that an erasure, which moves a chain to a pseudonym,
 * leaves the checkpoint true and no identifier is in the auditor's file. Because every write is stamped after its
 * chain's last entry, the covered entries of a chain are a prefix of it, and the leaf commits to that whole prefix
 * (each hash covers the one before it).
 *
 * <p><b>The tree.</b> RFC 6962 (section 2.1) over SHA-256: a leaf hashes as {@code SHA-256(0x00 || leaf)}, two
 * nodes as {@code SHA-256(0x01 || left || right)}; n &gt; 1 leaves split into a left subtree of the largest power
 * of two below n and a right subtree of the rest (so an odd node is not duplicated but joins higher up); no leaves
 * hash to SHA-256 of nothing.
 *
 * <p><b>Why the checkpoint is recomputed from the log, not from the heads.</b> Later writes move heads on, so the
 * heads cannot be compared with an old checkpoint. The entries recorded at or before {@code createdAt} can: the
 * log is append-only, so recomputing the leaves at {@code createdAt} from the log gives the same count and root
 * for as long as nothing covered was deleted, changed or rewound. A chain deleted with its head (and state) lowers
 * the count; a chain whose last entries were deleted and whose head and state were moved back to an earlier entry
 * changes the root, though every chain, head and state still agree with each other.
 *
 * <p><b>The signed bytes</b> are the UTF-8 bytes of {@link #toText()} without its {@code signature} line.
 *
 * @param tenant     the tenant
 * @param id         the checkpoint's id
 * @param createdAt  the instant covered: entries recorded at or before it (microseconds at most)
 * @param chainCount how many chains had such entries
 * @param merkleRoot the root over their leaves, lower-case hex SHA-256
 * @param algorithm  {@code Ed25519} or {@code HmacSHA256}
 * @param keyId      names the signing key, for the auditor (letters, digits, {@code . _ : -}; 1 to 128)
 * @param signature  the signature (or MAC), base64
 */
public record Checkpoint(
        String tenant,
        UUID id,
        Instant createdAt,
        long chainCount,
        String merkleRoot,
        String algorithm,
        String keyId,
        String signature) {

    /** The first line of the text form. */
    static final String HEADER = "ConsentKit checkpoint v1";

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern HEX_256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{2,508}={0,2}");
    private static final List<String> FIELDS =
            List.of("tenant", "id", "created-at", "chain-count", "merkle-root", "algorithm", "key-id", "signature");

    public Checkpoint {
        Checks.check(tenant != null && TENANT.matcher(tenant).matches(), "checkpoint.tenant", "must be a tenant");
        Checks.notNull(id, "checkpoint.id");
        Checks.notNull(createdAt, "checkpoint.createdAt");
        Checks.check(
                createdAt.truncatedTo(ChronoUnit.MICROS).equals(createdAt),
                "checkpoint.createdAt",
                "must carry at most microseconds");
        Checks.check(chainCount >= 0, "checkpoint.chainCount", "must not be negative");
        Checks.check(
                merkleRoot != null && HEX_256.matcher(merkleRoot).matches(),
                "checkpoint.merkleRoot",
                "must be 64 lower-case hex digits");
        Checks.check(
                CheckpointKey.ED25519.equals(algorithm) || CheckpointKey.HMAC_SHA256.equals(algorithm),
                "checkpoint.algorithm",
                "must be Ed25519 or HmacSHA256");
        Checks.check(
                keyId != null && KEY_ID.matcher(keyId).matches(), "checkpoint.keyId", "must match " + KEY_ID.pattern());
        Checks.check(
                signature != null && BASE64.matcher(signature).matches() && decodes(signature),
                "checkpoint.signature",
                "must be base64");
    }

    private static boolean decodes(String base64) {
        try {
            Base64.getDecoder().decode(base64);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The text form for a file: a header line {@code ConsentKit checkpoint v1}, then one {@code name=value} line per
     * component in the order {@code tenant, id, created-at, chain-count, merkle-root, algorithm, key-id,
     * signature}, each line ending in a line feed.
     */
    public String toText() {
        return unsignedText(tenant, id, createdAt, chainCount, merkleRoot, algorithm, keyId) + "signature=" + signature
                + "\n";
    }

    /** The bytes the signature covers. */
    byte[] signedBytes() {
        return unsignedText(tenant, id, createdAt, chainCount, merkleRoot, algorithm, keyId)
                .getBytes(StandardCharsets.UTF_8);
    }

    static String unsignedText(
            String tenant,
            UUID id,
            Instant createdAt,
            long chainCount,
            String merkleRoot,
            String algorithm,
            String keyId) {
        return HEADER + "\ntenant=" + tenant + "\nid=" + id + "\ncreated-at=" + IsoInstants.format(createdAt)
                + "\nchain-count=" + chainCount + "\nmerkle-root=" + merkleRoot + "\nalgorithm=" + algorithm
                + "\nkey-id=" + keyId + "\n";
    }

    /**
     * Reads the {@linkplain #toText() text form} (line feeds or CR LF; blank lines are ignored).
     *
     * @throws InvalidConsentRequestException naming {@code checkpoint} for a missing header, or {@code
     *                                        checkpoint.<field>} for a field that is missing, repeated, unknown or
     *                                        invalid
     */
    public static Checkpoint parse(String text) {
        Checks.notNull(text, "text");
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\r?\n", -1)) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        Checks.check(!lines.isEmpty() && lines.get(0).equals(HEADER), "checkpoint", "must start with " + HEADER);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int eq = line.indexOf('=');
            String name = eq < 0 ? line : line.substring(0, eq);
            Checks.check(eq > 0 && FIELDS.contains(name), "checkpoint", "has a line that is no known field");
            Checks.check(values.put(name, line.substring(eq + 1)) == null, field(name), "must appear once");
        }
        for (String name : FIELDS) {
            Checks.check(values.containsKey(name), field(name), "is missing");
        }
        UUID id;
        try {
            id = UUID.fromString(value(values, "id"));
        } catch (IllegalArgumentException e) {
            throw InvalidConsentRequestException.of("checkpoint.id", "must be a UUID");
        }
        Instant createdAt;
        try {
            createdAt = Instant.parse(value(values, "created-at"));
        } catch (DateTimeParseException e) {
            throw InvalidConsentRequestException.of("checkpoint.createdAt", "must be an ISO-8601 instant");
        }
        long chainCount;
        try {
            chainCount = Long.parseLong(value(values, "chain-count"));
        } catch (NumberFormatException e) {
            throw InvalidConsentRequestException.of("checkpoint.chainCount", "must be a whole number");
        }
        return new Checkpoint(
                value(values, "tenant"),
                id,
                createdAt,
                chainCount,
                value(values, "merkle-root"),
                value(values, "algorithm"),
                value(values, "key-id"),
                value(values, "signature"));
    }

    private static String value(Map<String, String> values, String name) {
        return values.getOrDefault(name, "");
    }

    /** The record component a text field holds, for violations. */
    private static String field(String name) {
        return switch (name) {
            case "created-at" -> "checkpoint.createdAt";
            case "chain-count" -> "checkpoint.chainCount";
            case "merkle-root" -> "checkpoint.merkleRoot";
            case "key-id" -> "checkpoint.keyId";
            default -> "checkpoint." + name;
        };
    }
}
