package dev.consentkit.core.internal;

import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.DecidingRecord;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. A consent record as the in-memory store keeps it: primitive fields
 * instead of objects (the id as two longs, the instants as epoch nanoseconds, the three hex digests as four longs
 * each, a generated idempotency key as its UUID's two longs), the tenant, subject, purpose and evidence as shared
 * instances. {@link #toRecord()} builds a {@link ConsentRecord} equal to the one it was made from.
 *
 * <p>A record that does not fit the compact form (a digest that is not 64 lower-case hex digits, an instant
 * beyond the years 1677 to 2262 that epoch nanoseconds cover) is kept whole besides its compact fields, and
 * {@link #toRecord()} returns it as it is.
 */
public final class CompactRecord {

    private static final ConsentStatus[] STATUSES = ConsentStatus.values();
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final byte[] GENERATED_PREFIX =
            IdempotencyKeys.GENERATED_PREFIX.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private static final int STATUS_MASK = 0xF;

    static {
        if (STATUSES.length > STATUS_MASK + 1) {
            throw new ExceptionInInitializerError("a status ordinal must fit the four bits of a row's flags");
        }
    }

    private static final int CONFLICT = 1 << 4;
    private static final int HAS_EXPIRY = 1 << 5;
    /** The idempotency key is {@code ck:} and the UUID in {@link #keyMsb}/{@link #keyLsb}. */
    private static final int UUID_KEY = 1 << 6;
    /** The idempotency key is the string in {@link #extra}. */
    private static final int TEXT_KEY = 1 << 7;
    /** {@link #extra} is the whole record (it does not fit the compact form). */
    private static final int WHOLE = 1 << 8;
    /** Effective time equals recorded time: one instant serves both on read. */
    private static final int SAME_TIMES = 1 << 9;

    private final long idMsb;
    private final long idLsb;
    private final long recorded;
    private final long effective;
    private final long expires;
    private final long sequence;
    private final long hash0;
    private final long hash1;
    private final long hash2;
    private final long hash3;
    private final long prev0;
    private final long prev1;
    private final long prev2;
    private final long prev3;
    private final long digest0;
    private final long digest1;
    private final long digest2;
    private final long digest3;
    private final long keyMsb;
    private final long keyLsb;
    private final int purposeVersion;
    private final int flags;
    private final String tenant;
    private final SubjectId subject;
    private final PurposeId purpose;
    private final Evidence evidence;
    /** The caller's idempotency key, the whole record, or null. */
    private final @Nullable Object extra;

    private CompactRecord(ConsentRecord r, String tenant, SubjectId subject, PurposeId purpose, Evidence evidence) {
        this.tenant = tenant;
        this.subject = subject;
        this.purpose = purpose;
        this.evidence = evidence;
        this.idMsb = r.id().getMostSignificantBits();
        this.idLsb = r.id().getLeastSignificantBits();
        this.purposeVersion = r.purposeVersion();
        this.sequence = r.link().sequence();
        int f = r.status().ordinal() | (r.conflict() ? CONFLICT : 0);
        boolean whole = false;
        long rec = nanos(r.recordedAt());
        long eff = nanos(r.effectiveAt());
        long exp = r.expiresAt().isPresent() ? nanos(r.expiresAt().get()) : 0;
        whole |= rec == NO_NANOS || eff == NO_NANOS || exp == NO_NANOS;
        if (r.expiresAt().isPresent()) {
            f |= HAS_EXPIRY;
        }
        if (r.effectiveAt().equals(r.recordedAt())) {
            f |= SAME_TIMES;
        }
        this.recorded = rec;
        this.effective = eff;
        this.expires = exp;
        String h = r.link().hash();
        String p = r.link().previousHash();
        String d = r.personalDataDigest();
        whole |= !Hex.isDigest(h) || !Hex.isDigest(p) || !Hex.isDigest(d);
        if (!whole) {
            hash0 = Hex.word(h, 0);
            hash1 = Hex.word(h, 1);
            hash2 = Hex.word(h, 2);
            hash3 = Hex.word(h, 3);
            prev0 = Hex.word(p, 0);
            prev1 = Hex.word(p, 1);
            prev2 = Hex.word(p, 2);
            prev3 = Hex.word(p, 3);
            digest0 = Hex.word(d, 0);
            digest1 = Hex.word(d, 1);
            digest2 = Hex.word(d, 2);
            digest3 = Hex.word(d, 3);
        } else {
            hash0 = hash1 = hash2 = hash3 = prev0 = prev1 = prev2 = prev3 = 0;
            digest0 = digest1 = digest2 = digest3 = 0;
        }
        long kMsb = 0;
        long kLsb = 0;
        Object x = null;
        if (whole) {
            f |= WHOLE;
            x = r;
        } else if (r.idempotencyKey().isPresent()) {
            String key = r.idempotencyKey().get();
            UUID generated = generatedUuid(key);
            if (generated != null) {
                f |= UUID_KEY;
                kMsb = generated.getMostSignificantBits();
                kLsb = generated.getLeastSignificantBits();
            } else {
                f |= TEXT_KEY;
                x = key;
            }
        }
        this.keyMsb = kMsb;
        this.keyLsb = kLsb;
        this.extra = x;
        this.flags = f;
    }

    /**
     * The compact form of {@code r}, naming its tenant, subject, purpose and evidence by the instances given (each
     * equal to the record's own), so that rows share them.
     */
    public static CompactRecord of(
            ConsentRecord r, String tenant, SubjectId subject, PurposeId purpose, Evidence evidence) {
        if (!r.tenant().equals(tenant)
                || !r.subject().equals(subject)
                || !r.purpose().equals(purpose)
                || !r.evidence().equals(evidence)) {
            throw new IllegalArgumentException("the shared instances must equal the record's own");
        }
        return new CompactRecord(r, tenant, subject, purpose, evidence);
    }

    /** The record this row was made from (an equal one). */
    public ConsentRecord toRecord() {
        if ((flags & WHOLE) != 0) {
            return whole();
        }
        Instant recordedAt = instant(recorded);
        Instant effectiveAt = (flags & SAME_TIMES) != 0 ? recordedAt : instant(effective);
        return new ConsentRecord(
                new UUID(idMsb, idLsb),
                tenant,
                subject,
                purpose,
                purposeVersion,
                status(),
                recordedAt,
                effectiveAt,
                expiresAt(),
                idempotencyKey(),
                evidence,
                (flags & CONFLICT) != 0,
                Hex.digest(digest0, digest1, digest2, digest3),
                link());
    }

    /** The values a decision reads, without building the whole record. */
    public DecidingRecord deciding() {
        return new DecidingRecord(purpose, purposeVersion, status(), effectiveAt(), expiresAt(), sequence);
    }

    /** True if this row's id is {@code id}. */
    public boolean hasId(UUID id) {
        return id.getMostSignificantBits() == idMsb && id.getLeastSignificantBits() == idLsb;
    }

    /** True if this row's id is {@code msb}, {@code lsb}. */
    public boolean hasId(long msb, long lsb) {
        return msb == idMsb && lsb == idLsb;
    }

    public long idMsb() {
        return idMsb;
    }

    public long idLsb() {
        return idLsb;
    }

    public String tenant() {
        return tenant;
    }

    public SubjectId subject() {
        return subject;
    }

    public PurposeId purpose() {
        return purpose;
    }

    public Evidence evidence() {
        return evidence;
    }

    public ConsentStatus status() {
        return STATUSES[flags & STATUS_MASK];
    }

    public long sequence() {
        return sequence;
    }

    public Instant recordedAt() {
        return (flags & WHOLE) != 0 ? whole().recordedAt() : instant(recorded);
    }

    public Instant effectiveAt() {
        return (flags & WHOLE) != 0 ? whole().effectiveAt() : instant(effective);
    }

    /** The caller's idempotency key (not one ConsentKit generated, see {@link IdempotencyKeys}), if the row has one. */
    public Optional<String> callerKey() {
        if ((flags & WHOLE) != 0) {
            return whole().idempotencyKey().filter(k -> !IdempotencyKeys.isGenerated(k));
        }
        return (flags & TEXT_KEY) != 0
                ? Optional.of(keyText()).filter(k -> !IdempotencyKeys.isGenerated(k))
                : Optional.empty();
    }

    /** The record's link in its chain. */
    public ChainLink link() {
        if ((flags & WHOLE) != 0) {
            return whole().link();
        }
        String previous =
                (prev0 | prev1 | prev2 | prev3) == 0 ? ChainLink.GENESIS : Hex.digest(prev0, prev1, prev2, prev3);
        return new ChainLink(sequence, previous, Hex.digest(hash0, hash1, hash2, hash3));
    }

    /**
     * Whether this row replaces {@code existing} as the current record on its purpose (the rule of
     * {@link dev.consentkit.core.spi.SubjectState#supersedes}), compared without building instants.
     */
    public boolean supersedes(CompactRecord existing) {
        if (((flags | existing.flags) & WHOLE) != 0) {
            return dev.consentkit.core.spi.SubjectState.supersedes(
                    effectiveAt(), sequence, existing.effectiveAt(), existing.sequence);
        }
        return effective > existing.effective || (effective == existing.effective && sequence > existing.sequence);
    }

    /** The record kept whole (when {@link #WHOLE} is set). */
    private ConsentRecord whole() {
        return (ConsentRecord) java.util.Objects.requireNonNull(extra);
    }

    /** The caller's key (when {@link #TEXT_KEY} is set). */
    private String keyText() {
        return (String) java.util.Objects.requireNonNull(extra);
    }

    private Optional<Instant> expiresAt() {
        if ((flags & WHOLE) != 0) {
            return whole().expiresAt();
        }
        return (flags & HAS_EXPIRY) != 0 ? Optional.of(instant(expires)) : Optional.empty();
    }

    private Optional<String> idempotencyKey() {
        if ((flags & UUID_KEY) != 0) {
            return Optional.of(generatedKey(keyMsb, keyLsb));
        }
        if ((flags & TEXT_KEY) != 0) {
            return Optional.of(keyText());
        }
        return Optional.empty();
    }

    /** {@code ck:} and the UUID's text as {@link UUID#toString()} writes it, built in one go. */
    private static String generatedKey(long msb, long lsb) {
        int p = GENERATED_PREFIX.length;
        byte[] out = java.util.Arrays.copyOf(GENERATED_PREFIX, p + 36);
        Hex.put(out, p, msb >>> 32, 8);
        out[p + 8] = '-';
        Hex.put(out, p + 9, msb >>> 16, 4);
        out[p + 13] = '-';
        Hex.put(out, p + 14, msb, 4);
        out[p + 18] = '-';
        Hex.put(out, p + 19, lsb >>> 48, 4);
        out[p + 23] = '-';
        Hex.put(out, p + 24, lsb, 12);
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The UUID of a key of the generated shape ({@code ck:} and a UUID as {@link UUID#toString()} writes it). */
    private static @Nullable UUID generatedUuid(String key) {
        int prefix = IdempotencyKeys.GENERATED_PREFIX.length();
        if (key.length() != prefix + 36 || !key.startsWith(IdempotencyKeys.GENERATED_PREFIX)) {
            return null;
        }
        String text = key.substring(prefix);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !Hex.isDigit(c)) {
                return null;
            }
        }
        UUID uuid = UUID.fromString(text);
        return uuid.toString().equals(text) ? uuid : null;
    }

    /** Marks an instant that epoch nanoseconds in a long do not hold (the row is then kept whole). */
    private static final long NO_NANOS = Long.MIN_VALUE;

    private static long nanos(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds <= Long.MIN_VALUE / NANOS_PER_SECOND || seconds >= Long.MAX_VALUE / NANOS_PER_SECOND) {
            return NO_NANOS;
        }
        return seconds * NANOS_PER_SECOND + t.getNano();
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS_PER_SECOND), Math.floorMod(nanos, NANOS_PER_SECOND));
    }

    /** Lower-case hex SHA-256 digests as four longs. */
    private static final class Hex {
        private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        private static final java.util.HexFormat HEX = java.util.HexFormat.of();

        private Hex() {}

        static boolean isDigit(char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }

        static boolean isDigest(String s) {
            if (s.length() != 64) {
                return false;
            }
            for (int i = 0; i < 64; i++) {
                if (!isDigit(s.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        /** The {@code index}th group of 16 hex digits of {@code s} as a long. */
        static long word(String s, int index) {
            return Long.parseUnsignedLong(s, 16 * index, 16 * index + 16, 16);
        }

        /**
         * The four longs as 64 lower-case hex digits. {@link java.util.HexFormat} makes the string from its own
         * digit array without copying it again, which a {@code String} constructor would.
         */
        static String digest(long w0, long w1, long w2, long w3) {
            byte[] bytes = new byte[32];
            put(bytes, 0, w0);
            put(bytes, 8, w1);
            put(bytes, 16, w2);
            put(bytes, 24, w3);
            return HEX.formatHex(bytes);
        }

        /** {@code w} as eight big-endian bytes at {@code at}. */
        private static void put(byte[] out, int at, long w) {
            for (int i = 7; i >= 0; i--) {
                out[at + i] = (byte) w;
                w >>>= 8;
            }
        }

        /** {@code w} as {@code digits} lower-case hex digits at {@code at} (for UUID text). */
        static void put(byte[] out, int at, long w, int digits) {
            for (int i = at + digits - 1; i >= at; i--) {
                out[i] = DIGITS[(int) (w & 0xF)];
                w >>>= 4;
            }
        }
    }
}
