-- Issue #16 (migration 0150). Per-site company data goes with events (distributed by site_id,
-- co-located): the writer adds outbox rows in the transaction of its COPY, and scores are read next
-- to the events they come from. Settings, rules, endpoints, alerts and deliveries are small and
-- joined by id: reference tables.
SELECT create_reference_table('lead_score_settings');
SELECT create_distributed_table('company_scores', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('company_score_history', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('company_activity_outbox', 'site_id', colocate_with => 'events');
SELECT create_reference_table('alert_endpoints');
SELECT create_reference_table('company_alert_rules');
SELECT create_reference_table('company_alerts');
SELECT create_reference_table('alert_deliveries');
SELECT create_reference_table('alert_delivery_attempts');
