-- A request's execution: when the agent ran the approved action, and the hash of the arguments it
-- ran (the request's own when approved, the approver's when edited). Set once by the gateway's
-- `consume` operation, in the transaction that appends the `approval.executed` audit row: the
-- UPDATE only matches a row whose executed_at is still NULL, so a second use of the same receipt,
-- from any process, changes nothing and is refused.

ALTER TABLE airlock.approval_requests
  ADD COLUMN executed_at   timestamptz,
  ADD COLUMN executed_hash text CHECK (executed_hash ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT approval_requests_executed_together CHECK ((executed_at IS NULL) = (executed_hash IS NULL)),
  ADD CONSTRAINT approval_requests_executed_if_approved CHECK (executed_at IS NULL OR status IN ('approved', 'edited'));

-- Second line of defence behind the UPDATE's guard: once set, an execution is never changed or
-- cleared, whoever asks.
CREATE FUNCTION airlock.execution_set_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.executed_at IS NOT NULL
     AND (NEW.executed_at IS DISTINCT FROM OLD.executed_at OR NEW.executed_hash IS DISTINCT FROM OLD.executed_hash) THEN
    RAISE EXCEPTION 'airlock: request % was executed at %; an execution is recorded once', OLD.id, OLD.executed_at
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER approval_requests_execution_once BEFORE UPDATE OF executed_at, executed_hash ON airlock.approval_requests
  FOR EACH ROW EXECUTE FUNCTION airlock.execution_set_once();

GRANT UPDATE (executed_at, executed_hash) ON airlock.approval_requests TO airlock_approvals_service;
