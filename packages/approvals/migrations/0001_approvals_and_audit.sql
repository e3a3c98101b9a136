-- Approval requests, decisions and the hash-chained audit log.
-- Applied by the migration runner (an owner or admin connection); the service connects as a login
-- role that is a member of airlock_approvals_service, which may read and append but never rewrite.

DO $$
BEGIN
  CREATE ROLE airlock_approvals_service NOLOGIN;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- another database of the cluster made it
END
$$;

CREATE TABLE airlock.approval_requests (
  id                    uuid PRIMARY KEY,
  agent                 text NOT NULL,
  release               text NOT NULL,
  tool                  text NOT NULL,
  action_type           text NOT NULL,
  tier                  text NOT NULL CHECK (tier IN ('approve', 'always-approve')),
  risk_class            text CHECK (risk_class IN ('money', 'mass-communication')),
  -- Arguments as approvers see them: secrets redacted. The agent keeps the originals in memory and
  -- proves it runs what was approved through arguments_hash (sha256 of the canonical originals).
  arguments             jsonb NOT NULL,
  arguments_hash        text NOT NULL,
  trace_id              text,
  status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'edited')),
  created_at            timestamptz NOT NULL,
  decided_at            timestamptz,
  -- Slack delivery: 'unposted' until chat.postMessage succeeds, 'update-pending' after a decision
  -- until chat.update succeeds. The outbox retries both, so a Slack outage loses nothing.
  slack_state           text NOT NULL DEFAULT 'unposted' CHECK (slack_state IN ('unposted', 'posted', 'update-pending', 'updated')),
  slack_channel         text,
  slack_ts              text,
  slack_attempts        integer NOT NULL DEFAULT 0,
  slack_last_error      text,
  slack_next_attempt_at timestamptz
);

CREATE INDEX approval_requests_outbox ON airlock.approval_requests (slack_next_attempt_at)
  WHERE slack_state IN ('unposted', 'update-pending');
CREATE INDEX approval_requests_pending ON airlock.approval_requests (created_at) WHERE status = 'pending';

-- One decision per request, enforced here: the primary key makes a second insert a no-op
-- (INSERT ... ON CONFLICT DO NOTHING), whatever the number of clicks, retries or approvers.
CREATE TABLE airlock.approval_decisions (
  request_id       uuid PRIMARY KEY REFERENCES airlock.approval_requests (id),
  decision         text NOT NULL CHECK (decision IN ('approved', 'rejected', 'edited')),
  decided_by       text NOT NULL,
  edited_arguments jsonb,
  via              text NOT NULL CHECK (via IN ('http', 'socket-mode', 'api')),
  attempt_id       uuid NOT NULL,
  decided_at       timestamptz NOT NULL,
  CHECK ((decision = 'edited') = (edited_arguments IS NOT NULL))
);

-- The audit log. Each row's hash is sha256 over its canonical content and the previous row's
-- hash; seq is gapless from 1, assigned under an advisory lock, so a deleted, edited or
-- reordered row breaks the chain at that row.
CREATE TABLE airlock.audit_log (
  seq         bigint PRIMARY KEY CHECK (seq > 0),
  at          timestamptz NOT NULL,
  kind        text NOT NULL,
  agent       text NOT NULL,
  action_type text,
  request_id  uuid,
  actor       text NOT NULL,
  payload     jsonb NOT NULL,
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE INDEX audit_log_evidence ON airlock.audit_log (agent, action_type, seq);
CREATE INDEX audit_log_request ON airlock.audit_log (request_id) WHERE request_id IS NOT NULL;

-- Second line of defence behind the grants: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION airlock.reject_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'airlock: % on %.% is not allowed; the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON airlock.audit_log
  FOR EACH ROW EXECUTE FUNCTION airlock.reject_rewrite();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON airlock.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION airlock.reject_rewrite();
CREATE TRIGGER approval_decisions_append_only BEFORE UPDATE OR DELETE ON airlock.approval_decisions
  FOR EACH ROW EXECUTE FUNCTION airlock.reject_rewrite();
CREATE TRIGGER approval_decisions_no_truncate BEFORE TRUNCATE ON airlock.approval_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION airlock.reject_rewrite();

-- The service role: read and append everywhere, update only a request's status and Slack state.
REVOKE ALL ON ALL TABLES IN SCHEMA airlock FROM PUBLIC;
GRANT USAGE ON SCHEMA airlock TO airlock_approvals_service;
GRANT SELECT ON airlock.schema_migrations TO airlock_approvals_service;
GRANT SELECT, INSERT ON airlock.audit_log TO airlock_approvals_service;
GRANT SELECT, INSERT ON airlock.approval_decisions TO airlock_approvals_service;
GRANT SELECT, INSERT ON airlock.approval_requests TO airlock_approvals_service;
GRANT UPDATE (status, decided_at, slack_state, slack_channel, slack_ts, slack_attempts, slack_last_error, slack_next_attempt_at)
  ON airlock.approval_requests TO airlock_approvals_service;
