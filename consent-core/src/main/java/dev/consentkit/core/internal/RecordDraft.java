package dev.consentkit.core.internal;

import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. An unsealed entry being drafted: the manager names what differs
 * (status, effective time, the purpose version shown, evidence, conflict) and {@link #build()} fills in the rest
 * the same way every time: a fresh id, the personal-data digest over the subject, idempotency key and evidence,
 * the expiry and the {@linkplain ChainLink#UNSEALED unsealed} link the chain writer replaces.
 */
public final class RecordDraft {

    private final String tenant;
    private final SubjectId subject;
    private final PurposeId purpose;
    private final int purposeVersion;
    private final ConsentStatus status;
    private final Instant recordedAt;
    private Instant effectiveAt;
    private @Nullable Purpose shown;
    private Optional<String> idempotencyKey = Optional.empty();
    private @Nullable Evidence evidence;
    private boolean conflict;

    private RecordDraft(
            String tenant,
            SubjectId subject,
            PurposeId purpose,
            int purposeVersion,
            ConsentStatus status,
            Instant recordedAt) {
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.purpose = Objects.requireNonNull(purpose, "purpose");
        this.purposeVersion = purposeVersion;
        this.status = Objects.requireNonNull(status, "status");
        this.recordedAt = Objects.requireNonNull(recordedAt, "recordedAt");
        this.effectiveAt = recordedAt;
    }

    /** A record on the version {@code shown} of a purpose; it takes effect when recorded unless told otherwise. */
    public static RecordDraft statement(
            String tenant, SubjectId subject, Purpose shown, ConsentStatus status, Instant recordedAt) {
        return new RecordDraft(tenant, subject, shown.id(), shown.version(), status, recordedAt).shown(shown);
    }

    /** When the record took effect (for imports of older choices); defaults to when it is recorded. */
    public RecordDraft effectiveAt(Instant effectiveAt) {
        this.effectiveAt = Objects.requireNonNull(effectiveAt, "effectiveAt");
        return this;
    }

    /** The caller's idempotency key. */
    public RecordDraft idempotencyKey(Optional<String> idempotencyKey) {
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        return this;
    }

    /** How it was captured, already minimised by the evidence policy. Required. */
    public RecordDraft evidence(Evidence evidence) {
        this.evidence = Objects.requireNonNull(evidence, "evidence");
        return this;
    }

    /** Marks a Global Privacy Control opt-out that overrides an effective grant. */
    public RecordDraft conflict(boolean conflict) {
        this.conflict = conflict;
        return this;
    }

    private RecordDraft shown(Purpose shown) {
        this.shown = shown;
        return this;
    }

    /**
     * The unsealed record. A grant or a pending grant lapses after the validity of the purpose version the subject
     * was shown, counted from when it took effect; refusals never lapse.
     */
    public ConsentRecord build() {
        Evidence e = Objects.requireNonNull(evidence, "evidence");
        Optional<Instant> expiresAt = (status == ConsentStatus.GRANTED || status == ConsentStatus.PENDING)
                        && shown != null
                ? shown.validity()
                        .map(v -> effectiveAt.atZone(ZoneOffset.UTC).plus(v).toInstant())
                : Optional.empty();
        return new ConsentRecord(
                UUID.randomUUID(),
                tenant,
                subject,
                purpose,
                purposeVersion,
                status,
                recordedAt,
                effectiveAt,
                expiresAt,
                idempotencyKey,
                e,
                conflict,
                digest(subject, idempotencyKey.orElse(null), e),
                ChainLink.UNSEALED);
    }

    /** An unsealed preference change. */
    public static PreferenceRecord preference(
            String tenant, SubjectId subject, String key, String value, Instant recordedAt, Evidence evidence) {
        return new PreferenceRecord(
                UUID.randomUUID(),
                tenant,
                subject,
                key,
                value,
                recordedAt,
                evidence,
                digest(subject, null, evidence),
                ChainLink.UNSEALED);
    }

    /** An unsealed erasure entry under the subject's pseudonym. */
    public static ErasureRecord erasure(String tenant, SubjectId pseudonym, String reason, Instant recordedAt) {
        return new ErasureRecord(
                UUID.randomUUID(),
                tenant,
                pseudonym,
                reason,
                recordedAt,
                AuditChain.personalDataDigest(pseudonym, null, null, null, null),
                ChainLink.UNSEALED);
    }

    private static String digest(SubjectId subject, @Nullable String idempotencyKey, Evidence e) {
        return AuditChain.personalDataDigest(
                subject,
                idempotencyKey,
                e.ipAddress().orElse(null),
                e.userAgent().orElse(null),
                e.comment().orElse(null));
    }
}
