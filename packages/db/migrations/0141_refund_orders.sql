-- Refunds (docs/conversions.md "Revenue"): a `refund` event with ecommerce_data naming an order id is
-- subtracted from that order. The revenue statement looks up each order's refunds; this partial index
-- (refund events only: very few) answers that with one probe. Same expression as 0081 (ORDER_ID).
CREATE INDEX events_refund_order ON events (
  site_id,
  (nullif(btrim(coalesce(ecommerce_data ->> 'transaction_id', ecommerce_data ->> 'order_id')), ''))
) WHERE event_name = 'refund';
