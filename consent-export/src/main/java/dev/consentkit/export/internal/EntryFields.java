package dev.consentkit.export.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.internal.IsoInstants;
import java.util.List;
import java.util.Locale;

/**
 * Internal API; may change without notice. The exported fields of an audit entry, shared by the audit export,
 * the subject access export and the receipts: one place that decides what an auditor sees of an entry.
 */
public final class EntryFields {

    /** The fields of every exported entry, in CSV column order. */
    public static final List<String> COLUMNS = List.of(
            "kind",
            "id",
            "tenant",
            "subject",
            "sequence",
            "recorded_at",
            "purpose",
            "purpose_version",
            "status",
            "effective_at",
            "expires_at",
            "conflict",
            "source",
            "collection_point",
            "notice_version",
            "notice_sha256",
            "locale",
            "actor_type",
            "actor_id",
            "ip_address",
            "user_agent",
            "comment",
            "proof_reference",
            "idempotency_key",
            "preference_key",
            "preference_value",
            "erasure_reason",
            "personal_data_digest",
            "previous_hash",
            "hash");

    /**
     * The columns that hold free text (text a person or a browser wrote, which nothing joins on): the collection
     * point, the user agent, the comment and the erasure reason. The CSV export neutralises spreadsheet formulas
     * in these only; every other column is an id, a reference, a hash, a timestamp, an address or a value from
     * a declared vocabulary that the chain or an auditor's join needs exactly.
     */
    public static final List<String> FREE_TEXT_COLUMNS =
            List.of("collection_point", "user_agent", "comment", "erasure_reason");

    private EntryFields() {}

    /** The exported values of one entry in {@link #COLUMNS} order: String, Long, Integer, Boolean or null. */
    public static Object[] values(AuditEntry e) {
        Object[] v = new Object[COLUMNS.size()];
        v[1] = e.id().toString();
        v[2] = e.tenant();
        v[3] = e.subject().value();
        v[4] = e.link().sequence();
        v[5] = IsoInstants.format(e.recordedAt());
        v[27] = e.personalDataDigest();
        v[28] = e.link().previousHash();
        v[29] = e.link().hash();
        if (e instanceof ConsentRecord r) {
            v[0] = "consent";
            v[6] = r.purpose().value();
            v[7] = r.purposeVersion();
            v[8] = r.status().name();
            v[9] = IsoInstants.format(r.effectiveAt());
            v[10] = r.expiresAt().map(IsoInstants::format).orElse(null);
            v[11] = r.conflict();
            v[23] = r.idempotencyKey().orElse(null);
            evidence(v, r.evidence());
        } else if (e instanceof PreferenceRecord p) {
            v[0] = "preference";
            v[24] = p.key();
            v[25] = p.value();
            evidence(v, p.evidence());
        } else if (e instanceof ErasureRecord x) {
            v[0] = "erasure";
            v[26] = x.reason();
        }
        return v;
    }

    private static void evidence(Object[] v, Evidence e) {
        v[12] = e.source().name();
        v[13] = e.collectionPoint();
        v[14] = e.noticeVersion().orElse(null);
        v[15] = e.noticeTextSha256().orElse(null);
        v[16] = e.locale().map(Locale::toLanguageTag).orElse(null);
        v[17] = e.actor().type().name();
        v[18] = e.actor().id().orElse(null);
        v[19] = e.ipAddress().orElse(null);
        v[20] = e.userAgent().orElse(null);
        v[21] = e.comment().orElse(null);
        v[22] = e.proofReference().orElse(null);
    }
}
