-- Seconds an old client secret keeps working after rotation: 0 (immediately), 3600 or 86400.
ALTER TABLE organisations ADD COLUMN rotation_grace_seconds INTEGER NOT NULL DEFAULT 0;

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    environment TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    callback_urls TEXT NOT NULL,
    rate_limit_per_minute INTEGER NOT NULL DEFAULT 120,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_used_at REAL,
    UNIQUE (organisation_id, name)
);

-- One client credential per application; rotation replaces the secret and bumps the generation.
CREATE TABLE credentials (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    secret_last4 TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 1,
    previous_secret_hash TEXT,
    previous_secret_expires_at REAL,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deactivated', 'revoked')),
    created_at REAL NOT NULL,
    rotated_at REAL,
    last_used_at REAL,
    last_used_address TEXT
);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    credential_id INTEGER NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    scopes TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX access_tokens_by_credential ON access_tokens(credential_id);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    scope TEXT NOT NULL UNIQUE,
    environments TEXT NOT NULL,
    approval_mode TEXT NOT NULL CHECK (approval_mode IN ('automatic', 'manual'))
);

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    created_at REAL NOT NULL,
    decided_at REAL,
    UNIQUE (application_id, product_id)
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    failure_reason TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX payments_by_application ON payments(application_id, created_at);

CREATE TABLE rate_windows (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    window_start INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (application_id, window_start)
);

-- The usage log: every API call, token requests included, written in the same transaction as its effect.
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    application_id INTEGER REFERENCES applications(id) ON DELETE SET NULL,
    credential_id INTEGER,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    request_id TEXT NOT NULL,
    client_address TEXT NOT NULL,
    called_at REAL NOT NULL
);
CREATE INDEX api_calls_by_application ON api_calls(application_id, called_at);

INSERT INTO products (slug, name, category, description, scope, environments, approval_mode) VALUES
    ('payments', 'Payments', 'Money movement', 'Create, list and look up card and bank payments.', 'payments',
     'sandbox,production', 'automatic'),
    ('accounts', 'Accounts', 'Account information', 'Balances per currency for your merchant account.', 'accounts',
     'sandbox,production', 'automatic'),
    ('fx', 'FX', 'Foreign exchange', 'Indicative quotes for converting between currencies.', 'fx',
     'sandbox,production', 'manual');
