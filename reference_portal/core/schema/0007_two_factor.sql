-- Two-factor authentication: when it was turned on, the secret of a set-up not yet confirmed, and recovery codes.
-- Both secrets are AES-GCM encrypted with the portal's key; a recovery code is kept only as a keyed hash.
ALTER TABLE users ADD COLUMN totp_enabled_at REAL;
ALTER TABLE users ADD COLUMN totp_pending_secret_encrypted BLOB;
UPDATE users SET totp_enabled_at = created_at WHERE totp_enabled = 1;

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    used_at REAL
);
CREATE INDEX recovery_codes_by_user ON recovery_codes(user_id);

-- Wrong codes entered at the second sign-in step of this (pending) session: five end it.
ALTER TABLE sessions ADD COLUMN second_factor_failures INTEGER NOT NULL DEFAULT 0;
