package dev.consentkit.core.internal;

import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.SubjectState;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One subject's write.
 *
 * @param tenant         the tenant
 * @param subject        the subject whose chain grows
 * @param idempotencyKey if a consent record with this key exists in the tenant and {@code commandDigest} matches
 *                       (see {@link ChainWriter#appendAll}), it is returned and nothing is written; requests built
 *                       from consent commands always carry one (the caller's, or
 *                       {@link IdempotencyKeys#generated()})
 * @param pseudonym      the pseudonym the subject would carry had it been erased; when the store holds nothing for
 *                       {@code subject} but an erased chain under this pseudonym, it must hand the plan a state with
 *                       {@link SubjectState#erased()} set and store nothing under {@code subject}, so that a write
 *                       racing an erasure cannot bring the identifier back
 * @param plan           decides the entries from the locked state
 * @param keptEffectiveTimes the ids of planned records whose effective time the command named (imports of older
 *                       choices): when the chain moves their recorded time after its head they keep it; every
 *                       other record takes effect when it is recorded, and moves with it
 * @param commandDigest  the digest of the command ({@link CommandDigest}) stored with the idempotency key on the
 *                       first consent record the plan returns; a later request with the same key and another
 *                       digest is refused with {@link dev.consentkit.core.IdempotencyConflictException}. Empty:
 *                       the key alone matches
 */
public record AppendRequest(
        String tenant,
        SubjectId subject,
        Optional<String> idempotencyKey,
        Optional<SubjectId> pseudonym,
        WritePlan plan,
        Set<UUID> keptEffectiveTimes,
        Optional<String> commandDigest) {

    public AppendRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(pseudonym, "pseudonym");
        Objects.requireNonNull(plan, "plan");
        keptEffectiveTimes = Set.copyOf(keptEffectiveTimes);
        Objects.requireNonNull(commandDigest, "commandDigest");
    }

    /** A write whose idempotency key, if any, matches by the key alone. */
    public AppendRequest(
            String tenant,
            SubjectId subject,
            Optional<String> idempotencyKey,
            Optional<SubjectId> pseudonym,
            WritePlan plan,
            Set<UUID> keptEffectiveTimes) {
        this(tenant, subject, idempotencyKey, pseudonym, plan, keptEffectiveTimes, Optional.empty());
    }

    /** A write whose records all take effect when they are recorded. */
    public AppendRequest(
            String tenant,
            SubjectId subject,
            Optional<String> idempotencyKey,
            Optional<SubjectId> pseudonym,
            WritePlan plan) {
        this(tenant, subject, idempotencyKey, pseudonym, plan, Set.of(), Optional.empty());
    }

    /** A write without an erasure pseudonym (the manager has no pseudonymisation key). */
    public AppendRequest(String tenant, SubjectId subject, Optional<String> idempotencyKey, WritePlan plan) {
        this(tenant, subject, idempotencyKey, Optional.empty(), plan, Set.of(), Optional.empty());
    }
}
