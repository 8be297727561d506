-- Funnels, second walk (docs/conversions.md "Funnels"): the optional "directly followed by" mode and a
-- visitor window that is not cut at the end of the range. beacon_funnel (0083) stays for existing
-- callers; the API uses beacon_funnel_walk.
ALTER TABLE funnels ADD COLUMN direct BOOLEAN NOT NULL DEFAULT false;

-- In: the unit's events in (server_timestamp, id) order: times, step masks (bit k = matches step k+1)
-- and kinds (1 = page view, 2 = another counted event; internal events are never passed); the window
-- (NULL: none); the number of steps; page_steps (bit k = step k+1 is done by a page view: a page step
-- or a page goal); direct; starts_before (NULL: none; step 1 must be done before it).
-- Out: the times at which the unit reached steps 1..n, as beacon_funnel.
-- Not direct: each next step is the first later event matching it, within the window (beacon_funnel).
-- Direct: step k+1 must be done by the unit's very next event of step k+1's kind after the event that
-- did step k (the next page view for a page step, the next counted non-page-view event otherwise);
-- when that event does not match step k+1, this start ends at step k.
CREATE FUNCTION beacon_funnel_walk(ts timestamptz[], masks int[], kinds int[], win interval, steps int,
                                   page_steps int, direct boolean, starts_before timestamptz)
RETURNS timestamptz[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  n     int := coalesce(cardinality(ts), 0);
  best  timestamptz[] := '{}';
  cur   timestamptz[];
  level int;
  need  int;
  j     int;
BEGIN
  FOR i IN 1..n LOOP
    EXIT WHEN starts_before IS NOT NULL AND ts[i] >= starts_before;
    CONTINUE WHEN masks[i] & 1 = 0;
    cur := ARRAY[ts[i]];
    level := 1;
    j := i + 1;
    WHILE level < steps AND j <= n LOOP
      EXIT WHEN win IS NOT NULL AND ts[j] - ts[i] > win;
      IF direct THEN
        need := CASE WHEN page_steps & (1 << level) <> 0 THEN 1 ELSE 2 END;
        IF kinds[j] = need THEN
          EXIT WHEN masks[j] & (1 << level) = 0;
          cur := cur || ts[j];
          level := level + 1;
        END IF;
      ELSIF masks[j] & (1 << level) <> 0 THEN
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
