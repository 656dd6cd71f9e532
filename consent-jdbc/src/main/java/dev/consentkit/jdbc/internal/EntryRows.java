package dev.consentkit.jdbc.internal;

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
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Internal API; may change without notice. Maps audit entries to rows of the log table and back. */
public final class EntryRows {

    private final SqlStatements sql;

    public EntryRows(SqlStatements sql) {
        this.sql = sql;
    }

    /**
     * Binds {@code e} and the digest of the command it was written for (null if none) to the 31 parameters of
     * {@link SqlStatements#insertLog}.
     */
    public void bind(PreparedStatement ps, AuditEntry e, @Nullable String commandDigest) throws SQLException {
        ps.setString(1, e.id().toString());
        ps.setString(2, e.tenant());
        ps.setString(3, e.subject().value());
        ps.setLong(4, e.link().sequence());
        sql.bindInstant(ps, 6, e.recordedAt());
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
        sql.bindInstant(ps, 10, effectiveAt);
        sql.bindInstant(ps, 11, expiresAt);
        ps.setString(12, idempotencyKey);
        ps.setBoolean(13, conflict);
        ps.setString(14, evidence == null ? null : evidence.source().name());
        ps.setString(15, evidence == null ? null : evidence.collectionPoint());
        ps.setString(16, evidence == null ? null : evidence.noticeVersion().orElse(null));
        ps.setString(17, evidence == null ? null : evidence.noticeTextSha256().orElse(null));
        ps.setString(
                18,
                evidence == null
                        ? null
                        : evidence.locale().map(Locale::toLanguageTag).orElse(null));
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
        ps.setString(31, commandDigest);
    }

    /** Reads the entry of the current row; columns are named as in {@link SqlStatements#LOG_COLUMNS}. */
    public AuditEntry read(ResultSet rs) throws SQLException {
        return reader(rs).read(rs);
    }

    /**
     * A reader for every row of {@code rs}, which looks the log columns' positions up once instead of by name on
     * every row (a streamed export reads millions of rows).
     */
    public Reader reader(ResultSet rs) throws SQLException {
        return new Reader(rs);
    }

    /** Reads log entries from the rows of one result set by column position. */
    public final class Reader {
        private final int entryId;
        private final int tenant;
        private final int subject;
        private final int seq;
        private final int kind;
        private final int recordedAt;
        private final int purposeId;
        private final int purposeVersion;
        private final int status;
        private final int effectiveAt;
        private final int expiresAt;
        private final int idempotencyKey;
        private final int conflict;
        private final int source;
        private final int collectionPoint;
        private final int noticeVersion;
        private final int noticeSha256;
        private final int locale;
        private final int actorType;
        private final int actorId;
        private final int ipAddress;
        private final int userAgent;
        private final int comment;
        private final int proofReference;
        private final int prefKey;
        private final int prefValue;
        private final int erasureReason;
        private final int personalDigest;
        private final int prevHash;
        private final int hash;

        private Reader(ResultSet rs) throws SQLException {
            entryId = rs.findColumn("entry_id");
            tenant = rs.findColumn("tenant");
            subject = rs.findColumn("subject");
            seq = rs.findColumn("seq");
            kind = rs.findColumn("kind");
            recordedAt = rs.findColumn("recorded_at");
            purposeId = rs.findColumn("purpose_id");
            purposeVersion = rs.findColumn("purpose_version");
            status = rs.findColumn("status");
            effectiveAt = rs.findColumn("effective_at");
            expiresAt = rs.findColumn("expires_at");
            idempotencyKey = rs.findColumn("idempotency_key");
            conflict = rs.findColumn("conflict");
            source = rs.findColumn("source");
            collectionPoint = rs.findColumn("collection_point");
            noticeVersion = rs.findColumn("notice_version");
            noticeSha256 = rs.findColumn("notice_sha256");
            locale = rs.findColumn("locale");
            actorType = rs.findColumn("actor_type");
            actorId = rs.findColumn("actor_id");
            ipAddress = rs.findColumn("ip_address");
            userAgent = rs.findColumn("user_agent");
            comment = rs.findColumn("comment_text");
            proofReference = rs.findColumn("proof_reference");
            prefKey = rs.findColumn("pref_key");
            prefValue = rs.findColumn("pref_value");
            erasureReason = rs.findColumn("erasure_reason");
            personalDigest = rs.findColumn("personal_digest");
            prevHash = rs.findColumn("prev_hash");
            hash = rs.findColumn("hash");
        }

        /** The entry of the current row. */
        public AuditEntry read(ResultSet rs) throws SQLException {
            UUID id = UUID.fromString(rs.getString(entryId));
            String t = rs.getString(tenant);
            SubjectId s = new SubjectId(rs.getString(subject));
            ChainLink link = new ChainLink(rs.getLong(seq), rs.getString(prevHash), rs.getString(hash));
            Instant recorded = Objects.requireNonNull(sql.readInstant(rs, recordedAt), "recorded_at");
            String digest = rs.getString(personalDigest);
            String k = rs.getString(kind);
            switch (k) {
                case "consent":
                    return new ConsentRecord(
                            id,
                            t,
                            s,
                            new PurposeId(rs.getString(purposeId)),
                            rs.getInt(purposeVersion),
                            ConsentStatus.valueOf(rs.getString(status)),
                            recorded,
                            Objects.requireNonNull(sql.readInstant(rs, effectiveAt), "effective_at"),
                            Optional.ofNullable(sql.readInstant(rs, expiresAt)),
                            Optional.ofNullable(rs.getString(idempotencyKey)),
                            evidence(rs),
                            rs.getBoolean(conflict),
                            digest,
                            link);
                case "preference":
                    return new PreferenceRecord(
                            id,
                            t,
                            s,
                            rs.getString(prefKey),
                            rs.getString(prefValue),
                            recorded,
                            evidence(rs),
                            digest,
                            link);
                case "erasure":
                    return new ErasureRecord(id, t, s, rs.getString(erasureReason), recorded, digest, link);
                default:
                    throw new SQLException("Unknown entry kind in the consent log: " + k);
            }
        }

        private Evidence evidence(ResultSet rs) throws SQLException {
            Actor.Type type = Actor.Type.valueOf(rs.getString(actorType));
            String actor = rs.getString(actorId);
            String tag = rs.getString(locale);
            return Evidence.builder()
                    .source(Source.valueOf(rs.getString(source)))
                    .collectionPoint(rs.getString(collectionPoint))
                    .noticeVersion(rs.getString(noticeVersion))
                    .noticeTextSha256(rs.getString(noticeSha256))
                    .locale(tag == null ? null : Locale.forLanguageTag(tag))
                    .actor(type == Actor.Type.SUBJECT ? Actor.subject() : new Actor(type, Optional.ofNullable(actor)))
                    .ipAddress(rs.getString(ipAddress))
                    .userAgent(rs.getString(userAgent))
                    .comment(rs.getString(comment))
                    .proofReference(rs.getString(proofReference))
                    .build();
        }
    }
}
