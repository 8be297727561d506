-- rollup_imports (base migration 0170) marks a site's imported days; the import writes it in the same
-- transaction as that site's rollup_days rows: distributed by site_id, co-located with the rollups.
SELECT create_distributed_table('rollup_imports', 'site_id', colocate_with => 'events');
