-- Agency dashboard hostname (issue 15, white-label): the host an agency points at Beacon (e.g.
-- analytics.agency.example) so its clients' login page, dashboard and email links carry its brand. A
-- hostname as the API checks it (lower case, no port), one agency per hostname.
ALTER TABLE agency_branding ADD COLUMN hostname VARCHAR(253)
  CHECK (hostname = lower(hostname) AND hostname ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$');
CREATE UNIQUE INDEX uq_agency_branding_hostname ON agency_branding(hostname) WHERE hostname IS NOT NULL;
