-- The go-live checklist's webhook signature checks: the portal sent one correctly signed test event and one signed
-- with a wrong secret to an endpoint, and keeps what each got (HTTP status, or why nothing was answered) and when.
CREATE TABLE go_live_signature_checks (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    valid_sent_at REAL NOT NULL,
    valid_status INTEGER,
    valid_error TEXT,
    invalid_sent_at REAL NOT NULL,
    invalid_status INTEGER,
    invalid_error TEXT,
    checked_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX go_live_signature_checks_by_endpoint ON go_live_signature_checks(endpoint_id, valid_sent_at);
