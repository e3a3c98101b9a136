-- A decision is dated by the database's clock, never by the caller's.
--
-- Until now airlock.record_decision stored p_decided_at as the decision's time and the request's
-- decided_at: whoever held the service role's credentials (or a service whose clock was wrong)
-- chose when an approval was made, and so when its execution window closed and on which day it
-- counted as autonomy evidence. From here the function takes the time from clock_timestamp()
-- inside its own transaction, to the millisecond (as the audit rows are dated, so a time read back
-- hashes and compares the same), and ignores p_decided_at; the signature stays, so a gateway built
-- before this migration keeps working (its own answer then carries its clock, the rows the
-- server's). The Slack lease (p_next_attempt_at) keeps its distance from the caller's time.

CREATE OR REPLACE FUNCTION airlock.record_decision(
  p_request_id uuid,
  p_decision text,
  p_decided_by text,
  p_edited_arguments jsonb,
  p_via text,
  p_attempt_id uuid,
  p_decided_at timestamptz,
  p_next_attempt_at timestamptz
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_at timestamptz := date_trunc('milliseconds', clock_timestamp());
BEGIN
  INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, edited_arguments, via, attempt_id, decided_at)
    VALUES (p_request_id, p_decision, p_decided_by, p_edited_arguments, p_via, p_attempt_id, v_at)
    ON CONFLICT (request_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE airlock.approval_requests
     SET status = p_decision, decided_at = v_at,
         slack_state = CASE WHEN slack_ts IS NULL THEN slack_state ELSE 'update-pending' END,
         slack_next_attempt_at = v_at + (p_next_attempt_at - coalesce(p_decided_at, p_next_attempt_at))
   WHERE id = p_request_id;
  RETURN true;
END
$$;
