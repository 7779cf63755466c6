-- Webhook endpoints grow into the full model: events, secrets (encrypted: each send needs them) and state.
ALTER TABLE webhook_endpoints ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN event_types TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE webhook_endpoints ADD COLUMN secret_encrypted BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_encrypted BLOB;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at REAL;
ALTER TABLE webhook_endpoints ADD COLUMN failing_since REAL;
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT;

-- The transactional outbox: an event and its deliveries are written with the change that caused them.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    last_status INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, created_at);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at REAL NOT NULL,
    status_code INTEGER,
    duration_ms REAL NOT NULL,
    response_excerpt TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, attempted_at);
