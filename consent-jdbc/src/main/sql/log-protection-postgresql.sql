-- Optional, PostgreSQL: makes the consent log append-only. DELETE is always refused; UPDATE is refused
-- unless the transaction set consentkit.erasure = 'on', which JdbcConsentStore does only inside erase()
-- (erasure blanks personal fields and replaces the subject by its pseudonym; the hash chain still verifies).
-- Run it once after the schema, as the table owner. Not split on semicolons: execute it as one script.
CREATE OR REPLACE FUNCTION consent_log_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('consentkit.erasure', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the consent log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END;
$$;

CREATE TRIGGER consent_log_protect BEFORE UPDATE OR DELETE ON consent_log
    FOR EACH ROW EXECUTE FUNCTION consent_log_protect();
