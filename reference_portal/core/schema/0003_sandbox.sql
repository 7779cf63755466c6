-- Sandbox test accounts: a test merchant with a balance, reached with a sandbox API key (stored only hashed).
CREATE TABLE sandbox_accounts (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    merchant_id TEXT NOT NULL UNIQUE,
    currency TEXT NOT NULL DEFAULT 'GBP',
    balance INTEGER NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_last4 TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL
);
CREATE INDEX sandbox_accounts_by_organisation ON sandbox_accounts(organisation_id);
