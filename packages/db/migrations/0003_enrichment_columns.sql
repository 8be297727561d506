-- Columns the enricher derives beyond the seed's 69 (see packages/schema EVENT_COLUMNS):
--   referrer_class      what kind of place the visitor came from: search, social, email, ai, paid,
--                       internal, referral (Matomo's CC0 lists), NULL for direct visits
--   channel             the acquisition channel: direct, organic_search, paid_search, organic_social,
--                       paid_social, email, ai_assistant, referral, display, affiliate, other
--   company_confidence  0.00-1.00: how sure the company identification is (agency ranges 1.0 down to
--                       an ASN organisation name)
--   company_source      where the company came from: agency_ranges, maxmind, asn
-- Added to the parent, so every partition (and the default one) gets them.
ALTER TABLE events
  ADD COLUMN referrer_class     VARCHAR(20),
  ADD COLUMN channel            VARCHAR(30),
  ADD COLUMN company_confidence DECIMAL(3,2),
  ADD COLUMN company_source     VARCHAR(20);
