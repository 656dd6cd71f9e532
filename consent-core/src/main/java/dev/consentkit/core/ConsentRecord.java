package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * An immutable consent record: what a subject said about one purpose, when, and how it was captured.
 *
 * @param id                 unique id; for a {@link ConsentStatus#PENDING} record also the confirmation token
 * @param tenant             the tenant
 * @param subject            the subject (its pseudonym after erasure)
 * @param purpose            the purpose the record is about
 * @param purposeVersion     the purpose version the subject was shown
 * @param status             what the subject said
 * @param recordedAt         when the system learned of it
 * @param effectiveAt        when it took effect (equals {@code recordedAt} unless imported with an earlier time)
 * @param expiresAt          when a grant lapses, from the purpose's validity
 * @param idempotencyKey     the key of the command that wrote it: the caller's, or one generated for it ({@code ck:}
 *                           and a random UUID); empty after erasure and on records written without a command
 * @param evidence           how it was captured, minimised by the evidence policy
 * @param conflict           true when a Global Privacy Control signal overrode an explicit grant
 * @param personalDataDigest digest over subject, idempotency key, IP address, user agent and comment
 * @param link               the record's link in the subject's hash chain
 */
public record ConsentRecord(
        UUID id,
        String tenant,
        SubjectId subject,
        PurposeId purpose,
        int purposeVersion,
        ConsentStatus status,
        Instant recordedAt,
        Instant effectiveAt,
        Optional<Instant> expiresAt,
        Optional<String> idempotencyKey,
        Evidence evidence,
        boolean conflict,
        String personalDataDigest,
        ChainLink link)
        implements AuditEntry {

    public ConsentRecord {
        Checks.notNull(id, "consentRecord.id");
        Checks.notNull(tenant, "consentRecord.tenant");
        Checks.notNull(subject, "consentRecord.subject");
        Checks.notNull(purpose, "consentRecord.purpose");
        Checks.notNull(status, "consentRecord.status");
        Checks.notNull(recordedAt, "consentRecord.recordedAt");
        Checks.notNull(effectiveAt, "consentRecord.effectiveAt");
        Checks.notNull(expiresAt, "consentRecord.expiresAt");
        Checks.notNull(idempotencyKey, "consentRecord.idempotencyKey");
        Checks.notNull(evidence, "consentRecord.evidence");
        Checks.notNull(personalDataDigest, "consentRecord.personalDataDigest");
        Checks.notNull(link, "consentRecord.link");
    }

    /** True if the grant has lapsed at {@code instant}. */
    public boolean isExpiredAt(Instant instant) {
        return expiresAt.isPresent() && !instant.isBefore(expiresAt.get());
    }

    @Override
    public ConsentRecord withLink(ChainLink link) {
        return new ConsentRecord(
                id,
                tenant,
                subject,
                purpose,
                purposeVersion,
                status,
                recordedAt,
                effectiveAt,
                expiresAt,
                idempotencyKey,
                evidence,
                conflict,
                personalDataDigest,
                link);
    }

    @Override
    public ConsentRecord erased(SubjectId pseudonym) {
        Evidence stripped = evidence.toBuilder()
                .ipAddress(null)
                .userAgent(null)
                .comment(null)
                .build();
        return new ConsentRecord(
                id,
                tenant,
                pseudonym,
                purpose,
                purposeVersion,
                status,
                recordedAt,
                effectiveAt,
                expiresAt,
                Optional.empty(),
                stripped,
                conflict,
                personalDataDigest,
                link);
    }

    /** Redacted: never prints the subject or evidence. */
    @Override
    public String toString() {
        return "ConsentRecord[id=" + id + ", tenant=" + tenant + ", purpose=" + purpose + ", v" + purposeVersion
                + ", status=" + status + ", effectiveAt=" + effectiveAt + ", seq=" + link.sequence() + "]";
    }
}
