-- One path for a decision, and audit rows the service role can only append honestly.
--
-- Until now the service role held INSERT on approval_decisions, INSERT on every column of
-- approval_requests and UPDATE of a request's status, so whoever held its credentials could
-- write a decided request, or change a status, beside the decision the approver made; and it
-- could append any audit row, dated as it liked, with a hash it computed itself.
--
-- From here:
-- - a decision is recorded only by airlock.record_decision, a SECURITY DEFINER function owned by
--   airlock_approvals_owner (a role nobody logs in as): it inserts the decision and moves the
--   request's status with it, in one statement's transaction. The service role may execute it
--   but holds neither INSERT on approval_decisions nor UPDATE of status or decided_at;
-- - the service role inserts a request only as pending (no INSERT on status, decided_at or the
--   execution columns), and a trigger refuses a status that does not follow the request's
--   decision, whoever asks (the embedded store's own connection is a superuser, and this trigger
--   is what holds it there);
-- - every audit row is checked on insert: it must follow the head (seq and prev_hash), be dated
--   by the database's clock within its transaction (so evidence time is the server's, never the
--   writer's), and an approval.requested, approval.decided or approval.executed row must match
--   the request, decision or execution it records, once per request.
-- A superuser can still switch triggers off: the anchor outside the database
-- (packages/approvals/src/audit/anchor.ts) is what catches a rewrite, a splice or a cut tail.

DO $$
BEGIN
  CREATE ROLE airlock_approvals_owner NOLOGIN;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- another database of the cluster made it
END
$$;

GRANT USAGE ON SCHEMA airlock TO airlock_approvals_owner;
GRANT SELECT, INSERT ON airlock.approval_decisions TO airlock_approvals_owner;
GRANT SELECT ON airlock.approval_requests TO airlock_approvals_owner;
GRANT UPDATE (status, decided_at, slack_state, slack_next_attempt_at) ON airlock.approval_requests TO airlock_approvals_owner;

-- The service role: no direct decision, no status of its own making.
REVOKE INSERT ON airlock.approval_decisions FROM airlock_approvals_service;
REVOKE UPDATE (status, decided_at) ON airlock.approval_requests FROM airlock_approvals_service;
REVOKE INSERT ON airlock.approval_requests FROM airlock_approvals_service;
GRANT INSERT (id, agent, release, tool, action_type, tier, risk_class, arguments, arguments_hash, trace_id, created_at, slack_next_attempt_at)
  ON airlock.approval_requests TO airlock_approvals_service;

-- A request is born pending; its status moves once, from pending to its decision.
CREATE FUNCTION airlock.request_born_pending() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.status <> 'pending' OR NEW.decided_at IS NOT NULL OR NEW.executed_at IS NOT NULL THEN
    RAISE EXCEPTION 'airlock: request % must be inserted pending, undecided and not executed; a decision is recorded by airlock.record_decision', NEW.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER approval_requests_born_pending BEFORE INSERT ON airlock.approval_requests
  FOR EACH ROW EXECUTE FUNCTION airlock.request_born_pending();

CREATE FUNCTION airlock.status_follows_decision() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status OR NEW.decided_at IS DISTINCT FROM OLD.decided_at THEN
    IF OLD.status <> 'pending' OR NOT EXISTS (
      SELECT 1 FROM airlock.approval_decisions d
       WHERE d.request_id = NEW.id AND d.decision = NEW.status AND d.decided_at = NEW.decided_at
    ) THEN
      RAISE EXCEPTION 'airlock: request % is %; its status changes only from pending to its recorded decision (airlock.record_decision)', OLD.id, OLD.status
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER approval_requests_status_follows_decision BEFORE UPDATE OF status, decided_at ON airlock.approval_requests
  FOR EACH ROW EXECUTE FUNCTION airlock.status_follows_decision();

-- The decision path. Returns whether this call stored the decision (false when the request had
-- one already: the caller reads it to tell its own earlier attempt from someone else's).
CREATE FUNCTION airlock.record_decision(
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
BEGIN
  INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, edited_arguments, via, attempt_id, decided_at)
    VALUES (p_request_id, p_decision, p_decided_by, p_edited_arguments, p_via, p_attempt_id, p_decided_at)
    ON CONFLICT (request_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE airlock.approval_requests
     SET status = p_decision, decided_at = p_decided_at,
         slack_state = CASE WHEN slack_ts IS NULL THEN slack_state ELSE 'update-pending' END,
         slack_next_attempt_at = p_next_attempt_at
   WHERE id = p_request_id;
  RETURN true;
END
$$;

ALTER FUNCTION airlock.record_decision(uuid, text, text, jsonb, text, uuid, timestamptz, timestamptz) OWNER TO airlock_approvals_owner;
REVOKE ALL ON FUNCTION airlock.record_decision(uuid, text, text, jsonb, text, uuid, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION airlock.record_decision(uuid, text, text, jsonb, text, uuid, timestamptz, timestamptz) TO airlock_approvals_service;

-- Every audit row, on insert: after the head, dated by the server, and true to what it records.
CREATE FUNCTION airlock.audit_append_check() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  head_seq  bigint;
  head_hash text;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM airlock.audit_log ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(head_seq, 0) + 1 OR NEW.prev_hash <> coalesce(head_hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'airlock: audit row % does not follow the head (row %); append after the head, under the chain lock', NEW.seq, coalesce(head_seq, 0)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.at < date_trunc('milliseconds', transaction_timestamp()) OR NEW.at > clock_timestamp() THEN
    RAISE EXCEPTION 'airlock: audit row % is dated %, not by the database clock; take the time from clock_timestamp() inside the transaction', NEW.seq, NEW.at
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.kind = 'approval.decided' AND NOT EXISTS (
    SELECT 1 FROM airlock.approval_decisions d
     WHERE d.request_id = NEW.request_id AND d.decision = NEW.payload ->> 'decision' AND d.decided_by = NEW.actor AND d.via = NEW.payload ->> 'via'
  ) THEN
    RAISE EXCEPTION 'airlock: approval.decided row for request % matches no recorded decision; decisions are recorded by airlock.record_decision', NEW.request_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.kind = 'approval.executed' AND NOT EXISTS (
    SELECT 1 FROM airlock.approval_requests r WHERE r.id = NEW.request_id AND r.executed_hash = NEW.payload ->> 'argumentsHash'
  ) THEN
    RAISE EXCEPTION 'airlock: approval.executed row for request % matches no recorded execution', NEW.request_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.kind = 'approval.requested' AND NOT EXISTS (
    SELECT 1 FROM airlock.approval_requests r
     WHERE r.id = NEW.request_id AND r.agent = NEW.agent AND r.action_type = NEW.action_type AND r.arguments_hash = NEW.payload ->> 'argumentsHash'
  ) THEN
    RAISE EXCEPTION 'airlock: approval.requested row for request % matches no stored request', NEW.request_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_append_check BEFORE INSERT ON airlock.audit_log
  FOR EACH ROW EXECUTE FUNCTION airlock.audit_append_check();

-- One request, decision and execution row per request in the log.
CREATE UNIQUE INDEX audit_log_once_per_request ON airlock.audit_log (request_id, kind)
  WHERE kind IN ('approval.requested', 'approval.decided', 'approval.executed');
