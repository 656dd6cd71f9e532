package dev.consentkit.core;

import java.time.Instant;
import java.util.UUID;

/**
 * One entry of the append-only audit log. Every entry of a subject is linked into that subject's
 * SHA-256 hash chain; personal fields enter the chain only through {@link #personalDataDigest()},
 * so erasure can remove them and the chain still verifies.
 */
public sealed interface AuditEntry permits ConsentRecord, PreferenceRecord, ErasureRecord {

    /** Unique id of the entry. */
    UUID id();

    /** The tenant (brand or business unit) the entry belongs to. */
    String tenant();

    /** The subject; after erasure, its pseudonym. */
    SubjectId subject();

    /** When the system learned of it, from the manager's clock, in microseconds. */
    Instant recordedAt();

    /** Lower-case hex SHA-256 over the entry's personal fields (see {@link dev.consentkit.core.internal.AuditChain}). */
    String personalDataDigest();

    /** The entry's link in the subject's hash chain. */
    ChainLink link();

    /** A copy carrying {@code link}; used by stores when they seal an entry into the chain. */
    AuditEntry withLink(ChainLink link);

    /** A copy with the subject replaced by {@code pseudonym} and every personal field removed. */
    AuditEntry erased(SubjectId pseudonym);
}
