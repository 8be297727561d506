-- Revenue (docs/conversions.md): an order counts once per site, at its first purchase event. The
-- revenue statement checks "an earlier purchase with the same order id" for each purchase of the range;
-- this partial index (purchase events only, a small part of events) answers that check with one probe.
-- The expression is the statement's own (services/api/src/queries/statements/revenue.ts ORDER_ID).
CREATE INDEX events_purchase_order ON events (
  site_id,
  (nullif(btrim(coalesce(ecommerce_data ->> 'transaction_id', ecommerce_data ->> 'order_id')), '')),
  server_timestamp
) WHERE event_name = 'purchase';
