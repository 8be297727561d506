-- Client reporting tables (base migrations 0110-0114) on Citus: small per-agency tables joined with
-- agencies, sites and dashboard_users, so reference tables like them.
SELECT create_reference_table('user_site_access');
SELECT create_reference_table('account_tokens');
SELECT create_reference_table('share_links');
SELECT create_reference_table('report_schedules');
SELECT create_reference_table('report_unsubscribes');
SELECT create_reference_table('report_deliveries');
SELECT create_reference_table('traffic_alerts');
SELECT create_reference_table('agency_branding');
