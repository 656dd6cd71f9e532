package dev.consentkit.core.spi;

import dev.consentkit.core.SubjectId;

import java.util.Objects;
import java.util.Optional;

/**
 * One subject's write.
 *
 * @param tenant         the tenant
 * @param subject        the subject whose chain grows
 * @param idempotencyKey if a consent record with this key exists in the tenant, the store returns it and
 *                       writes nothing
 * @param plan           decides the entries from the locked state
 */
public record AppendRequest(String tenant, SubjectId subject, Optional<String> idempotencyKey, WritePlan plan) {
    public AppendRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(plan, "plan");
    }
}
