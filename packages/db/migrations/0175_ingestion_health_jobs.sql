-- Issue 18: the enricher's ingestion_health counts (drops, dead letters) exactly once per raw job.
-- A job's counts are added in the same statement that inserts its id here (ON CONFLICT DO NOTHING):
-- a job retried after its enricher died between writing the counts and acking the job adds nothing.
-- job_id is the raw job's id (the UUIDv7 of its first hit). Kept a few days by the retention run
-- (longer than any retry of a job), then deleted: one row per job with drops.
CREATE TABLE ingestion_health_jobs (
  job_id      VARCHAR(100) PRIMARY KEY,
  counted_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_ingestion_health_jobs_counted ON ingestion_health_jobs(counted_at);
