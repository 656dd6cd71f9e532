package dev.consentkit.core.internal;

import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.SubjectState;
import java.util.Objects;
import java.util.Optional;

/**
 * One subject's write.
 *
 * @param tenant         the tenant
 * @param subject        the subject whose chain grows
 * @param idempotencyKey if a consent record with this key exists in the tenant, the store returns it and
 *                       writes nothing
 * @param pseudonym      the pseudonym the subject would carry had it been erased; when the store holds nothing for
 *                       {@code subject} but an erased chain under this pseudonym, it must hand the plan a state with
 *                       {@link SubjectState#erased()} set and store nothing under {@code subject}, so that a write
 *                       racing an erasure cannot bring the identifier back
 * @param plan           decides the entries from the locked state
 */
public record AppendRequest(
        String tenant,
        SubjectId subject,
        Optional<String> idempotencyKey,
        Optional<SubjectId> pseudonym,
        WritePlan plan) {

    public AppendRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(pseudonym, "pseudonym");
        Objects.requireNonNull(plan, "plan");
    }

    /** A write without an erasure pseudonym (the manager has no pseudonymisation key). */
    public AppendRequest(String tenant, SubjectId subject, Optional<String> idempotencyKey, WritePlan plan) {
        this(tenant, subject, idempotencyKey, Optional.empty(), plan);
    }
}
