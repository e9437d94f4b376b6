-- The statements of src/scheduling/job-run.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- JobRunRepository.claim
INSERT INTO job_run (job, slot, instance) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING job;

-- JobRunRepository.finish
UPDATE job_run SET finished_at = now(), result = $1::jsonb WHERE job = $2 AND slot = $3;
