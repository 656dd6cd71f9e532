-- Optional, MariaDB and MySQL: least privilege for the application user (here 'consentkit_app'@'%'; rename
-- it and replace `test` by your database). The log is insert-only except for the columns erasure blanks.
GRANT SELECT, INSERT ON `test`.consent_log TO 'consentkit_app'@'%';
GRANT UPDATE (subject, ip_address, user_agent, comment_text, idempotency_key, command_digest) ON `test`.consent_log TO 'consentkit_app'@'%';
GRANT SELECT, INSERT, UPDATE ON `test`.consent_subject TO 'consentkit_app'@'%';
GRANT SELECT, INSERT, UPDATE ON `test`.consent_state TO 'consentkit_app'@'%';
GRANT SELECT, INSERT, UPDATE ON `test`.consent_preference TO 'consentkit_app'@'%';
GRANT SELECT, INSERT ON `test`.consent_purpose TO 'consentkit_app'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON `test`.consent_outbox TO 'consentkit_app'@'%';
GRANT SELECT, INSERT ON `test`.consent_checkpoint TO 'consentkit_app'@'%';
