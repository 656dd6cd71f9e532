package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.UUID;

/**
 * An audited change of a communication preference, for example {@code newsletter.frequency = weekly}.
 *
 * @param id                 unique id
 * @param tenant             the tenant
 * @param subject            the subject (its pseudonym after erasure)
 * @param key                the preference key, as declared by a {@link PreferenceDefinition}
 * @param value              the chosen value, one of the definition's allowed values
 * @param recordedAt         when it was recorded
 * @param evidence           how it was captured
 * @param personalDataDigest digest over subject, IP address, user agent and comment
 * @param link               the entry's link in the subject's hash chain
 */
public record PreferenceRecord(
        UUID id,
        String tenant,
        SubjectId subject,
        String key,
        String value,
        Instant recordedAt,
        Evidence evidence,
        String personalDataDigest,
        ChainLink link)
        implements AuditEntry {

    public PreferenceRecord {
        Checks.notNull(id, "preferenceRecord.id");
        Checks.notNull(tenant, "preferenceRecord.tenant");
        Checks.notNull(subject, "preferenceRecord.subject");
        Checks.notNull(key, "preferenceRecord.key");
        Checks.notNull(value, "preferenceRecord.value");
        Checks.notNull(recordedAt, "preferenceRecord.recordedAt");
        Checks.notNull(evidence, "preferenceRecord.evidence");
        Checks.notNull(personalDataDigest, "preferenceRecord.personalDataDigest");
        Checks.notNull(link, "preferenceRecord.link");
    }

    @Override
    public PreferenceRecord withLink(ChainLink link) {
        return new PreferenceRecord(id, tenant, subject, key, value, recordedAt, evidence, personalDataDigest, link);
    }

    @Override
    public PreferenceRecord erased(SubjectId pseudonym) {
        Evidence stripped = evidence.toBuilder()
                .ipAddress(null)
                .userAgent(null)
                .comment(null)
                .build();
        return new PreferenceRecord(id, tenant, pseudonym, key, value, recordedAt, stripped, personalDataDigest, link);
    }

    /** Redacted: never prints the subject or evidence. */
    @Override
    public String toString() {
        return "PreferenceRecord[id=" + id + ", tenant=" + tenant + ", key=" + key + ", seq=" + link.sequence() + "]";
    }
}
