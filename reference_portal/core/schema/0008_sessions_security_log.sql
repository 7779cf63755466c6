-- What an account's owner sees of its own security: every sign-in, failure, 2FA change, session removal and
-- secret rotation or revocation, with the address and browser it came from. A failed sign-in for an email that
-- has no account has no user_id and is shown to nobody.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    client_address TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE INDEX security_events_by_user ON security_events(user_id, created_at DESC, id DESC);

-- A session is named on the sessions page by a random public id, never by the hash of its cookie.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
-- When the password (or second factor) was last proven in this session: sensitive actions need it recent.
ALTER TABLE sessions ADD COLUMN authenticated_at REAL;
UPDATE sessions SET public_id = lower(hex(randomblob(12))), authenticated_at = created_at;
CREATE UNIQUE INDEX sessions_by_public_id ON sessions(public_id);
