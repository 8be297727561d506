-- rollup_name_dict (base migration 0190) is written with a site's rollup_names rows and read with them:
-- distributed by site_id, co-located with the rollups.
SELECT create_distributed_table('rollup_name_dict', 'site_id', colocate_with => 'events');
