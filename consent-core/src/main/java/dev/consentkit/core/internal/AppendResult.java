package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import java.util.List;

/**
 * What a store did for one {@link AppendRequest}.
 *
 * @param entries  the sealed entries written, or the earlier entry found by the idempotency key
 * @param replayed true if the idempotency key matched an earlier record and nothing was written
 */
public record AppendResult(List<AuditEntry> entries, boolean replayed) {
    public AppendResult {
        entries = List.copyOf(entries);
    }
}
