-- The usage page aggregates an organisation's calls per application and time window, by status and latency: this
-- index covers those reads, so the counts, buckets and percentiles are computed from the index alone.
CREATE INDEX api_calls_usage ON api_calls(application_id, called_at, status, latency_ms);
