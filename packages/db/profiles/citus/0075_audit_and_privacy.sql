-- Placement of the data-rights tables (base migrations 0075, 0076; docs/privacy-rights.md) on Citus.
-- Numbered in the range of the change that added them, like the base migrations.
--
-- audit_log, privacy_erasures and privacy_erasure_keys are small and written by the API and CLI:
-- reference tables (their foreign keys go to agencies, a reference table, or to each other).
-- rollup_anonymized_months is keyed by site_id and written in the statement that re-keys one site's
-- rollup rows: distributed by site_id, co-located with the rollups, so that statement stays on one node.
--
-- Not run against a real Citus cluster yet (the tests use the catalog stub, packages/testkit
-- citus-stub.ts): the erasure's statements that delete from events and note ids in
-- privacy_erasure_keys in one statement are multi-shard modifications Citus may plan differently.
SELECT create_reference_table('audit_log');
SELECT create_reference_table('privacy_erasures');
SELECT create_reference_table('privacy_erasure_keys');
SELECT create_distributed_table('rollup_anonymized_months', 'site_id', colocate_with => 'events');
