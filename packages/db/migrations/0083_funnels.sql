-- Funnels (docs/conversions.md): 2-8 ordered steps, each a goal or a page/event condition, counted
-- within one session or within N days by visitor. Like goals, a funnel is a definition only; its
-- figures are computed from events at query time.
--
-- steps: JSON array of {"type": "goal", "goal_id": uuid} | {"type": "page", "page_pattern": "/x/*",
--        "page_regex": "^/x/[^/]*$"} | {"type": "event", "event_name": "signup", "property": {...}}
CREATE TABLE funnels (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id     VARCHAR(50) NOT NULL REFERENCES sites(script_id) ON DELETE CASCADE,
  name        VARCHAR(120) NOT NULL,
  steps       JSONB NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 2 AND 8),
  window_mode VARCHAR(10) NOT NULL CHECK (window_mode IN ('session', 'visitor')),
  window_days INTEGER CHECK (window_days BETWEEN 1 AND 90),
  created_by  UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((window_mode = 'visitor') = (window_days IS NOT NULL))
);
CREATE UNIQUE INDEX funnels_site_name ON funnels (site_id, lower(name));
CREATE TRIGGER funnels_updated_at BEFORE UPDATE ON funnels FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- How far one unit (a session, or a visitor) went through a funnel. In: the unit's events that match
-- some step, in (server_timestamp, id) order: their times and step masks (bit k = matches step k+1);
-- the window (NULL: none; the unit is a session); the number of steps. Out: the times at which the
-- unit reached steps 1..n (n = how far it went; empty when it never did step 1).
-- Each step-1 event is tried as a start; from it, each next step is the first later event (in order)
-- matching it, within the window of the start. The start that goes furthest wins, the earliest on ties.
-- One event counts for one step only, so repeated and out-of-order steps count once, in order.
CREATE FUNCTION beacon_funnel(ts timestamptz[], masks int[], win interval, steps int)
RETURNS timestamptz[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  n     int := coalesce(cardinality(ts), 0);
  best  timestamptz[] := '{}';
  cur   timestamptz[];
  level int;
  j     int;
BEGIN
  FOR i IN 1..n LOOP
    CONTINUE WHEN masks[i] & 1 = 0;
    cur := ARRAY[ts[i]];
    level := 1;
    j := i + 1;
    WHILE level < steps AND j <= n LOOP
      EXIT WHEN win IS NOT NULL AND ts[j] - ts[i] > win;
      IF masks[j] & (1 << level) <> 0 THEN
        cur := cur || ts[j];
        level := level + 1;
      END IF;
      j := j + 1;
    END LOOP;
    IF level > cardinality(best) THEN
      best := cur;
    END IF;
    EXIT WHEN level = steps;
  END LOOP;
  RETURN best;
END $$;
