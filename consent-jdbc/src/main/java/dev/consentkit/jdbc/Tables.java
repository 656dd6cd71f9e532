package dev.consentkit.jdbc;

import org.jspecify.annotations.Nullable;

/** Qualified table names for one schema and prefix, and the SQL built on them. */
final class Tables {

    static final String LOG_COLUMNS = "entry_id, tenant, subject, seq, kind, recorded_at, purpose_id, purpose_version,"
            + " status, effective_at, expires_at, idempotency_key, conflict, source, collection_point, notice_version,"
            + " notice_sha256, locale, actor_type, actor_id, ip_address, user_agent, comment_text, proof_reference,"
            + " pref_key, pref_value, erasure_reason, personal_digest, prev_hash, hash";
    static final int LOG_COLUMN_COUNT = 30;

    final String purpose;
    final String log;
    final String subject;
    final String state;
    final String preference;
    final String outbox;

    final String selectLog;
    final String insertLog;
    final String lockSubject;
    final String insertSubject;
    final String updateSubject;
    final String selectHead;
    final String selectState;
    final String selectStatements;
    final String selectStatementsOfSubjects;
    final String insertState;
    final String updateState;
    final String insertPreference;
    final String updatePreference;
    final String selectPreferences;
    final String insertOutbox;
    final String selectByIdempotencyKey;
    final String selectRecord;

    Tables(@Nullable String schema, String prefix) {
        String q = schema == null || schema.isEmpty() ? "" : schema + ".";
        this.purpose = q + prefix + "purpose";
        this.log = q + prefix + "log";
        this.subject = q + prefix + "subject";
        this.state = q + prefix + "state";
        this.preference = q + prefix + "preference";
        this.outbox = q + prefix + "outbox";

        String logColumnsAliased = "l." + LOG_COLUMNS.replace(", ", ", l.");
        this.selectLog = "SELECT " + logColumnsAliased + " FROM " + log + " l";
        this.insertLog = "INSERT INTO " + log + " (" + LOG_COLUMNS + ") VALUES ("
                + "?, ".repeat(LOG_COLUMN_COUNT - 1) + "?)";
        this.lockSubject = "SELECT head_seq, head_hash, erased FROM " + subject
                + " WHERE tenant = ? AND subject = ? FOR UPDATE";
        this.insertSubject = "INSERT INTO " + subject + " (tenant, subject, head_seq, head_hash, erased)"
                + " VALUES (?, ?, ?, ?, ?)";
        this.updateSubject = "UPDATE " + subject + " SET head_seq = ?, head_hash = ?, erased = ?"
                + " WHERE tenant = ? AND subject = ?";
        this.selectHead = "SELECT head_seq, head_hash FROM " + subject + " WHERE tenant = ? AND subject = ?";
        this.selectState = "SELECT h.subject AS h_subject, h.head_seq, h.head_hash, h.erased, " + logColumnsAliased
                + " FROM " + subject + " h"
                + " LEFT JOIN " + state + " s ON s.tenant = h.tenant AND s.subject = h.subject"
                + " LEFT JOIN " + log + " l ON l.entry_id = s.entry_id"
                + " WHERE h.tenant = ? AND h.subject";
        this.selectStatements = selectLog + " JOIN " + state + " s ON s.entry_id = l.entry_id"
                + " WHERE s.tenant = ? AND s.subject = ? AND s.purpose_id";
        this.selectStatementsOfSubjects = selectLog + " JOIN " + state + " s ON s.entry_id = l.entry_id"
                + " WHERE s.tenant = ? AND s.subject";
        this.insertState = "INSERT INTO " + state + " (entry_id, tenant, subject, purpose_id) VALUES (?, ?, ?, ?)";
        this.updateState = "UPDATE " + state + " SET entry_id = ? WHERE tenant = ? AND subject = ? AND purpose_id = ?";
        this.insertPreference = "INSERT INTO " + preference + " (entry_id, tenant, subject, pref_key) VALUES (?, ?, ?, ?)";
        this.updatePreference = "UPDATE " + preference + " SET entry_id = ? WHERE tenant = ? AND subject = ? AND pref_key = ?";
        this.selectPreferences = selectLog + " JOIN " + preference + " p ON p.entry_id = l.entry_id"
                + " WHERE p.tenant = ? AND p.subject = ?";
        this.insertOutbox = "INSERT INTO " + outbox + " (tenant, subject, entry_id, seq, created_at) VALUES (?, ?, ?, ?, ?)";
        this.selectByIdempotencyKey = selectLog + " WHERE l.tenant = ? AND l.idempotency_key = ?";
        this.selectRecord = selectLog + " WHERE l.entry_id = ? AND l.tenant = ? AND l.kind = 'consent'";
    }
}
