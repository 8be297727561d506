-- Funnels (docs/conversions.md "Funnels", docs/query-plans.md "Funnels"): the visitor of an event is
-- the first user_id its client_id carried among the events read. A funnel reads only the events that
-- match one of its steps, plus those with a user_id, found through this partial index (events of
-- logged-in visitors only: none on sites that send no user_id, so writes of their events pay nothing).
CREATE INDEX idx_events_site_time_user ON events (site_id, server_timestamp) WHERE user_id IS NOT NULL;
