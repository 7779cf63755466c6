-- Usage rollups, kept by triggers in the transaction that logs the call, so the usage page reads a few rows per
-- application and hour instead of every call, and a call made a second ago is counted at once. Only calls of an
-- application are rolled up (a call with an unknown token belongs to no organisation's usage).

-- Calls per application, hour (its start, a multiple of 3600) and status.
CREATE TABLE api_usage_hourly (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    status INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (application_id, hour, status)
) WITHOUT ROWID;

-- The latency histogram for p95: calls per application, hour, status class (2 for 2xx ...) and latency bucket,
-- where bucket b holds latencies from 10^(b/32) up to 10^((b+1)/32) ms (each about 7.5% wide).
CREATE TABLE api_latency_hourly (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    status_class INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (application_id, hour, status_class, bucket)
) WITHOUT ROWID;

-- The same histogram per day (its start, a multiple of 86400), so the p95 of a month reads a few thousand rows.
CREATE TABLE api_latency_daily (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    status_class INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (application_id, day, status_class, bucket)
) WITHOUT ROWID;

-- Failing calls (status 400 and above) per application, hour, status and route: the top failing routes.
CREATE TABLE api_failures_hourly (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    status INTEGER NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (application_id, hour, status, method, route)
) WITHOUT ROWID;

CREATE TRIGGER api_calls_rollup AFTER INSERT ON api_calls WHEN NEW.application_id IS NOT NULL
BEGIN
    INSERT INTO api_usage_hourly (application_id, hour, status, calls)
    VALUES (NEW.application_id, CAST(NEW.called_at / 3600 AS INTEGER) * 3600, NEW.status, 1)
    ON CONFLICT DO UPDATE SET calls = calls + 1;
    INSERT INTO api_latency_hourly (application_id, hour, status_class, bucket, calls)
    VALUES (NEW.application_id, CAST(NEW.called_at / 3600 AS INTEGER) * 3600, NEW.status / 100,
            CAST(floor(log10(max(NEW.latency_ms, 0.01)) * 32) AS INTEGER), 1)
    ON CONFLICT DO UPDATE SET calls = calls + 1;
    INSERT INTO api_latency_daily (application_id, day, status_class, bucket, calls)
    VALUES (NEW.application_id, CAST(NEW.called_at / 86400 AS INTEGER) * 86400, NEW.status / 100,
            CAST(floor(log10(max(NEW.latency_ms, 0.01)) * 32) AS INTEGER), 1)
    ON CONFLICT DO UPDATE SET calls = calls + 1;
    INSERT INTO api_failures_hourly (application_id, hour, status, method, route, calls)
    SELECT NEW.application_id, CAST(NEW.called_at / 3600 AS INTEGER) * 3600, NEW.status, NEW.method, NEW.route, 1
    WHERE NEW.status >= 400
    ON CONFLICT DO UPDATE SET calls = calls + 1;
END;

-- The calls already logged. (An application's calls whose application was since deleted have no application_id.)
INSERT INTO api_usage_hourly (application_id, hour, status, calls)
SELECT application_id, CAST(called_at / 3600 AS INTEGER) * 3600, status, COUNT(*) FROM api_calls
WHERE application_id IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO api_latency_hourly (application_id, hour, status_class, bucket, calls)
SELECT application_id, CAST(called_at / 3600 AS INTEGER) * 3600, status / 100,
       CAST(floor(log10(max(latency_ms, 0.01)) * 32) AS INTEGER), COUNT(*) FROM api_calls
WHERE application_id IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO api_latency_daily (application_id, day, status_class, bucket, calls)
SELECT application_id, day, status_class, bucket, SUM(calls) FROM (
    SELECT application_id, hour / 86400 * 86400 AS day, status_class, bucket, calls FROM api_latency_hourly)
GROUP BY 1, 2, 3, 4;
INSERT INTO api_failures_hourly (application_id, hour, status, method, route, calls)
SELECT application_id, CAST(called_at / 3600 AS INTEGER) * 3600, status, method, route, COUNT(*) FROM api_calls
WHERE application_id IS NOT NULL AND status >= 400 GROUP BY 1, 2, 3, 4, 5;

-- Alert rules per organisation: fire when, over the last window_minutes, the error rate passes `threshold` percent
-- (kind error_rate) or more than `threshold` calls answered 5xx (kind server_errors). A rule fires once per breach:
-- firing_since is set when it fires and cleared when the breach is over.
CREATE TABLE usage_alert_rules (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    application_id INTEGER REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('error_rate', 'server_errors')),
    threshold REAL NOT NULL,
    window_minutes INTEGER NOT NULL CHECK (window_minutes BETWEEN 1 AND 1440),
    created_at REAL NOT NULL,
    firing_since REAL,
    last_value REAL,
    evaluated_at REAL
);
CREATE INDEX usage_alert_rules_by_organisation ON usage_alert_rules(organisation_id);

-- Each breach: when it began and ended, what was measured, and the webhook event it was sent as (if any endpoint
-- wanted it).
CREATE TABLE usage_alert_firings (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES usage_alert_rules(id) ON DELETE CASCADE,
    fired_at REAL NOT NULL,
    cleared_at REAL,
    value REAL NOT NULL,
    calls INTEGER NOT NULL,
    event_id TEXT
);
CREATE INDEX usage_alert_firings_by_rule ON usage_alert_firings(rule_id, fired_at);
