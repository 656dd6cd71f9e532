-- Optional, PostgreSQL: least privilege for the application role (here consentkit_app; rename it). The log is
-- insert-only except for the columns erasure blanks; no DELETE anywhere except the outbox, which a delivery
-- process drains. Run as the owner of the tables after the schema.
GRANT SELECT, INSERT ON consent_log TO consentkit_app;
GRANT UPDATE (subject, ip_address, user_agent, comment_text, idempotency_key, command_digest) ON consent_log TO consentkit_app;
GRANT SELECT, INSERT, UPDATE ON consent_subject, consent_state, consent_preference TO consentkit_app;
GRANT SELECT, INSERT ON consent_purpose TO consentkit_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON consent_outbox TO consentkit_app;
GRANT SELECT, INSERT ON consent_checkpoint TO consentkit_app;
