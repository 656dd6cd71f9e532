package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.VerificationReport;
import dev.consentkit.core.VerificationReport.BrokenChain;
import dev.consentkit.core.VerificationReport.Problem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The per-subject SHA-256 hash chain. Stores call {@link #seal} inside the transaction that appends an
 * entry; {@link #verify} recomputes chains.
 *
 * <p>The canonical encoding (version {@code ck1}) is a sequence of length-prefixed UTF-8 fields in a fixed
 * order: entry kind, id, tenant, sequence, previous hash, recorded time, personal-data digest, then the
 * kind's own non-personal fields. Personal fields (subject id, idempotency key, IP address, user agent,
 * comment) enter only through the personal-data digest, so erasure can remove them and every chain still
 * verifies. Instants are encoded with {@link Instant#toString()} and must carry at most microseconds,
 * which every supported database keeps exactly.
 */
public final class AuditChain {

    private static final byte[] VERSION = "ck1".getBytes(StandardCharsets.US_ASCII);

    private AuditChain() {}

    /** Links {@code entry} after {@code previous} (empty for a subject's first entry). */
    public static AuditEntry seal(AuditEntry entry, Optional<ChainLink> previous) {
        long sequence = previous.map(ChainLink::sequence).orElse(0L) + 1;
        String previousHash = previous.map(ChainLink::hash).orElse(ChainLink.GENESIS);
        return entry.withLink(new ChainLink(sequence, previousHash, hash(entry, sequence, previousHash)));
    }

    /** The hash of {@code entry} at {@code sequence} after {@code previousHash}. */
    public static String hash(AuditEntry entry, long sequence, String previousHash) {
        Canonical c = new Canonical();
        c.bytes(VERSION);
        if (entry instanceof ConsentRecord r) {
            c.text("consent");
            common(c, entry, sequence, previousHash);
            c.text(r.purpose().value());
            c.number(r.purposeVersion());
            c.text(r.status().name());
            c.instant(r.effectiveAt());
            c.instant(r.expiresAt().orElse(null));
            c.text(Boolean.toString(r.conflict()));
            evidence(c, r.evidence());
        } else if (entry instanceof PreferenceRecord p) {
            c.text("preference");
            common(c, entry, sequence, previousHash);
            c.text(p.key());
            c.text(p.value());
            evidence(c, p.evidence());
        } else if (entry instanceof ErasureRecord e) {
            c.text("erasure");
            common(c, entry, sequence, previousHash);
            c.text(e.reason());
        } else {
            throw new IllegalArgumentException("unknown entry kind " + entry.getClass());
        }
        return c.hex();
    }

    /** The digest over an entry's personal fields; absent fields are encoded as absent. */
    public static String personalDataDigest(
            SubjectId subject,
            @Nullable String idempotencyKey,
            @Nullable String ipAddress,
            @Nullable String userAgent,
            @Nullable String comment) {
        Canonical c = new Canonical();
        c.bytes(VERSION);
        c.text("personal");
        c.text(subject.value());
        c.text(idempotencyKey);
        c.text(ipAddress);
        c.text(userAgent);
        c.text(comment);
        return c.hex();
    }

    /** Recomputes the personal-data digest from the fields an entry holds now. */
    public static String personalDataDigestOf(AuditEntry entry) {
        if (entry instanceof ConsentRecord r) {
            Evidence e = r.evidence();
            return personalDataDigest(
                    r.subject(),
                    r.idempotencyKey().orElse(null),
                    e.ipAddress().orElse(null),
                    e.userAgent().orElse(null),
                    e.comment().orElse(null));
        } else if (entry instanceof PreferenceRecord p) {
            Evidence e = p.evidence();
            return personalDataDigest(
                    p.subject(),
                    null,
                    e.ipAddress().orElse(null),
                    e.userAgent().orElse(null),
                    e.comment().orElse(null));
        }
        return personalDataDigest(entry.subject(), null, null, null, null);
    }

    /**
     * Verifies chains only. {@code entries} must be grouped by tenant and subject and ordered by sequence within
     * a subject, as stores return them; {@code heads} looks up the head the store recorded for a subject.
     * Entries of an erased subject (a chain that ends with an {@link ErasureRecord}) are checked against
     * their stored personal-data digest only through the chain, since the personal fields are gone.
     */
    public static VerificationReport verify(
            Stream<AuditEntry> entries, BiFunction<String, SubjectId, Optional<ChainLink>> heads) {
        return verifyRows(
                entries.map(StateVerifier.Row::of), (t, s) -> StateVerifier.Stored.headOnly(heads.apply(t, s)));
    }

    /**
     * Verifies chains and, for every intact chain, what the store holds beside it ({@link StateVerifier}).
     * {@code rows} are grouped and ordered as for {@link #verify}; a row that could not be read is reported as
     * {@link Problem#MALFORMED_ENTRY} and ends the check of its chain only. {@code stored} is asked for a subject
     * right after its last row was read.
     */
    public static VerificationReport verifyRows(
            Stream<StateVerifier.Row> rows, BiFunction<String, SubjectId, StateVerifier.Stored> stored) {
        List<BrokenChain> broken = new ArrayList<>();
        long records = 0;
        long subjects = 0;
        List<StateVerifier.Row> group = new ArrayList<>();
        Iterator<StateVerifier.Row> it = rows.iterator();
        while (it.hasNext()) {
            StateVerifier.Row e = it.next();
            records++;
            if (!group.isEmpty() && !sameChain(group.get(0), e)) {
                subjects++;
                verifyChain(group, stored, broken);
                group.clear();
            }
            group.add(e);
        }
        if (!group.isEmpty()) {
            subjects++;
            verifyChain(group, stored, broken);
        }
        return new VerificationReport(records, subjects, broken);
    }

    private static boolean sameChain(StateVerifier.Row a, StateVerifier.Row b) {
        return a.tenant().equals(b.tenant()) && a.subject().equals(b.subject());
    }

    private static void verifyChain(
            List<StateVerifier.Row> rows,
            BiFunction<String, SubjectId, StateVerifier.Stored> storedRows,
            List<BrokenChain> broken) {
        StateVerifier.Row firstRow = rows.get(0);
        List<AuditEntry> chain = new ArrayList<>(rows.size());
        for (StateVerifier.Row r : rows) {
            if (r.entry().isEmpty()) {
                broken.add(new BrokenChain(r.tenant(), r.subject(), r.id(), r.sequence(), Problem.MALFORMED_ENTRY));
                return;
            }
            chain.add(r.entry().get());
        }
        AuditEntry first = chain.get(0);
        boolean erased = chain.get(chain.size() - 1) instanceof ErasureRecord;
        long expected = 1;
        String previousHash = ChainLink.GENESIS;
        for (AuditEntry e : chain) {
            ChainLink link = e.link();
            Problem problem = null;
            if (link.sequence() > expected) {
                // a skipped number that turns up later in the chain was moved, not removed
                long skipped = expected;
                problem = chain.stream().anyMatch(x -> x.link().sequence() == skipped)
                        ? Problem.ORDER_CHANGED
                        : Problem.RECORD_MISSING;
            } else if (link.sequence() < expected || !link.previousHash().equals(previousHash)) {
                problem = Problem.ORDER_CHANGED;
            } else if (!hash(e, link.sequence(), link.previousHash()).equals(link.hash())) {
                problem = Problem.CONTENT_CHANGED;
            } else if (!(erased && !(e instanceof ErasureRecord))
                    && !personalDataDigestOf(e).equals(e.personalDataDigest())) {
                problem = Problem.CONTENT_CHANGED;
            }
            if (problem != null) {
                broken.add(new BrokenChain(e.tenant(), e.subject(), Optional.of(e.id()), link.sequence(), problem));
                return;
            }
            expected = link.sequence() + 1;
            previousHash = link.hash();
        }
        ChainLink last = chain.get(chain.size() - 1).link();
        StateVerifier.Stored stored = storedRows.apply(firstRow.tenant(), firstRow.subject());
        Optional<ChainLink> head = stored.head();
        if (head.isEmpty() && stored.rowsKnown()) {
            broken.add(new BrokenChain(
                    first.tenant(),
                    first.subject(),
                    Optional.empty(),
                    last.sequence() + 1,
                    Problem.ENTRIES_WITHOUT_HEAD));
            return;
        }
        if (head.isEmpty()
                || head.get().sequence() != last.sequence()
                || !head.get().hash().equals(last.hash())) {
            Problem problem = head.isPresent() && head.get().sequence() > last.sequence()
                    ? Problem.RECORD_MISSING
                    : Problem.HEAD_MISMATCH;
            broken.add(
                    new BrokenChain(first.tenant(), first.subject(), Optional.empty(), last.sequence() + 1, problem));
            return;
        }
        if (stored.rowsKnown()) {
            StateVerifier.compare(chain, stored, broken);
        }
    }

    private static void common(Canonical c, AuditEntry e, long sequence, String previousHash) {
        c.text(e.id().toString());
        c.text(e.tenant());
        c.number(sequence);
        c.text(previousHash);
        c.instant(e.recordedAt());
        c.text(e.personalDataDigest());
    }

    private static void evidence(Canonical c, Evidence e) {
        c.text(e.source().name());
        c.text(e.collectionPoint());
        c.text(e.noticeVersion().orElse(null));
        c.text(e.noticeTextSha256().orElse(null));
        c.text(e.locale().map(Locale::toLanguageTag).orElse(null));
        c.text(e.actor().type().name());
        c.text(e.actor().id().orElse(null));
        c.text(e.proofReference().orElse(null));
    }

    private static final MessageDigest SHA_256 = newSha256();

    /** A fresh SHA-256 digest; cloning a prototype skips the provider lookup of {@code getInstance}. */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * Length-prefixed field encoding: 4-byte big-endian length then UTF-8 bytes; -1 for an absent field. Fed
     * straight into the digest, so nothing is copied.
     */
    static final class Canonical {
        private final MessageDigest digest = sha256();
        private final byte[] length = new byte[4];

        void bytes(byte[] b) {
            length(b.length);
            digest.update(b);
        }

        void text(@Nullable String s) {
            if (s == null) {
                length(-1);
            } else {
                bytes(s.getBytes(StandardCharsets.UTF_8));
            }
        }

        void number(long n) {
            text(Long.toString(n));
        }

        void instant(@Nullable Instant i) {
            text(i == null ? null : IsoInstants.format(i));
        }

        private void length(int n) {
            length[0] = (byte) (n >>> 24);
            length[1] = (byte) (n >>> 16);
            length[2] = (byte) (n >>> 8);
            length[3] = (byte) n;
            digest.update(length);
        }

        String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
