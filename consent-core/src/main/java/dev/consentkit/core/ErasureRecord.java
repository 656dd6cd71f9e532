package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.UUID;

/**
 * The last entry of an erased subject's chain (GDPR Art. 17): proof that the subject's choices existed
 * and were erased, under a keyed pseudonym instead of the identifier.
 *
 * @param id                 unique id
 * @param tenant             the tenant
 * @param subject            the pseudonym that replaced the subject's identifier everywhere
 * @param reason             why the data was erased, for example {@code art17-request}
 * @param recordedAt         when it was erased
 * @param personalDataDigest digest over the pseudonym
 * @param link               the entry's link in the chain
 */
public record ErasureRecord(
        UUID id,
        String tenant,
        SubjectId subject,
        String reason,
        Instant recordedAt,
        String personalDataDigest,
        ChainLink link)
        implements AuditEntry {

    public ErasureRecord {
        Checks.notNull(id, "erasureRecord.id");
        Checks.notNull(tenant, "erasureRecord.tenant");
        Checks.notNull(subject, "erasureRecord.subject");
        Checks.notNull(reason, "erasureRecord.reason");
        Checks.notNull(recordedAt, "erasureRecord.recordedAt");
        Checks.notNull(personalDataDigest, "erasureRecord.personalDataDigest");
        Checks.notNull(link, "erasureRecord.link");
    }

    @Override
    public ErasureRecord withLink(ChainLink link) {
        return new ErasureRecord(id, tenant, subject, reason, recordedAt, personalDataDigest, link);
    }

    @Override
    public ErasureRecord erased(SubjectId pseudonym) {
        return new ErasureRecord(id, tenant, pseudonym, reason, recordedAt, personalDataDigest, link);
    }
}
