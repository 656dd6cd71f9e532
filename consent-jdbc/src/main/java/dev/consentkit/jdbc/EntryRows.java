package dev.consentkit.jdbc;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ChainLink;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectId;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** Maps audit entries to rows of the log table and back. */
final class EntryRows {

    private final Dialect dialect;

    EntryRows(Dialect dialect) {
        this.dialect = dialect;
    }

    /** Binds {@code e} to the 30 parameters of {@link Tables#insertLog}. */
    void bind(PreparedStatement ps, AuditEntry e) throws SQLException {
        ps.setString(1, e.id().toString());
        ps.setString(2, e.tenant());
        ps.setString(3, e.subject().value());
        ps.setLong(4, e.link().sequence());
        dialect.bindInstant(ps, 6, e.recordedAt());
        String purpose = null;
        Integer purposeVersion = null;
        String status = null;
        Instant effectiveAt = null;
        Instant expiresAt = null;
        String idempotencyKey = null;
        boolean conflict = false;
        Evidence evidence = null;
        String prefKey = null;
        String prefValue = null;
        String reason = null;
        String kind;
        if (e instanceof ConsentRecord r) {
            kind = "consent";
            purpose = r.purpose().value();
            purposeVersion = r.purposeVersion();
            status = r.status().name();
            effectiveAt = r.effectiveAt();
            expiresAt = r.expiresAt().orElse(null);
            idempotencyKey = r.idempotencyKey().orElse(null);
            conflict = r.conflict();
            evidence = r.evidence();
        } else if (e instanceof PreferenceRecord p) {
            kind = "preference";
            evidence = p.evidence();
            prefKey = p.key();
            prefValue = p.value();
        } else {
            kind = "erasure";
            reason = ((ErasureRecord) e).reason();
        }
        ps.setString(5, kind);
        ps.setString(7, purpose);
        ps.setObject(8, purposeVersion);
        ps.setString(9, status);
        dialect.bindInstant(ps, 10, effectiveAt);
        dialect.bindInstant(ps, 11, expiresAt);
        ps.setString(12, idempotencyKey);
        ps.setBoolean(13, conflict);
        ps.setString(14, evidence == null ? null : evidence.source().name());
        ps.setString(15, evidence == null ? null : evidence.collectionPoint());
        ps.setString(16, evidence == null ? null : evidence.noticeVersion().orElse(null));
        ps.setString(17, evidence == null ? null : evidence.noticeTextSha256().orElse(null));
        ps.setString(18, evidence == null ? null : evidence.locale().map(Locale::toLanguageTag).orElse(null));
        ps.setString(19, evidence == null ? null : evidence.actor().type().name());
        ps.setString(20, evidence == null ? null : evidence.actor().id().orElse(null));
        ps.setString(21, evidence == null ? null : evidence.ipAddress().orElse(null));
        ps.setString(22, evidence == null ? null : evidence.userAgent().orElse(null));
        ps.setString(23, evidence == null ? null : evidence.comment().orElse(null));
        ps.setString(24, evidence == null ? null : evidence.proofReference().orElse(null));
        ps.setString(25, prefKey);
        ps.setString(26, prefValue);
        ps.setString(27, reason);
        ps.setString(28, e.personalDataDigest());
        ps.setString(29, e.link().previousHash());
        ps.setString(30, e.link().hash());
    }

    /** Reads the entry of the current row; columns are named as in {@link Tables#LOG_COLUMNS}. */
    AuditEntry read(ResultSet rs) throws SQLException {
        UUID id = UUID.fromString(rs.getString("entry_id"));
        String tenant = rs.getString("tenant");
        SubjectId subject = new SubjectId(rs.getString("subject"));
        ChainLink link = new ChainLink(rs.getLong("seq"), rs.getString("prev_hash"), rs.getString("hash"));
        Instant recordedAt = dialect.readInstant(rs, "recorded_at");
        String digest = rs.getString("personal_digest");
        String kind = rs.getString("kind");
        switch (kind) {
            case "consent":
                return new ConsentRecord(id, tenant, subject, new PurposeId(rs.getString("purpose_id")),
                        rs.getInt("purpose_version"), ConsentStatus.valueOf(rs.getString("status")), recordedAt,
                        dialect.readInstant(rs, "effective_at"),
                        Optional.ofNullable(dialect.readInstant(rs, "expires_at")),
                        Optional.ofNullable(rs.getString("idempotency_key")), evidence(rs),
                        rs.getBoolean("conflict"), digest, link);
            case "preference":
                return new PreferenceRecord(id, tenant, subject, rs.getString("pref_key"), rs.getString("pref_value"),
                        recordedAt, evidence(rs), digest, link);
            case "erasure":
                return new ErasureRecord(id, tenant, subject, rs.getString("erasure_reason"), recordedAt, digest, link);
            default:
                throw new SQLException("Unknown entry kind in the consent log: " + kind);
        }
    }

    private static Evidence evidence(ResultSet rs) throws SQLException {
        Actor.Type actorType = Actor.Type.valueOf(rs.getString("actor_type"));
        String actorId = rs.getString("actor_id");
        Actor actor = actorType == Actor.Type.SUBJECT ? Actor.subject() : new Actor(actorType, Optional.ofNullable(actorId));
        String locale = rs.getString("locale");
        return Evidence.builder()
                .source(Source.valueOf(rs.getString("source")))
                .collectionPoint(rs.getString("collection_point"))
                .noticeVersion(rs.getString("notice_version"))
                .noticeTextSha256(rs.getString("notice_sha256"))
                .locale(locale == null ? null : Locale.forLanguageTag(locale))
                .actor(actor)
                .ipAddress(rs.getString("ip_address"))
                .userAgent(rs.getString("user_agent"))
                .comment(rs.getString("comment_text"))
                .proofReference(rs.getString("proof_reference"))
                .build();
    }
}
