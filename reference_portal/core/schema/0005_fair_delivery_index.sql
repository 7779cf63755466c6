-- The delivery worker takes each endpoint's due deliveries in turn (oldest first per endpoint): this index gives it
-- them already grouped and ordered, so a backlog of thousands is read in order instead of sorted on every claim.
CREATE INDEX webhook_deliveries_due_by_endpoint ON webhook_deliveries(state, endpoint_id, next_attempt_at, id);
