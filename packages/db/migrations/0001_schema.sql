-- Beacon schema: the six tables of SEED.md with every column, constraint and index it lists, plus what
-- the services need to keep them right (updated_at upkeep, dead letters, monthly partitions of events).
--
-- Types: the seed's TIMESTAMP columns are TIMESTAMPTZ here. Every time in Beacon is an instant (server
-- receipt, session start), and dashboards group them by each site's own timezone; a zone-less TIMESTAMP
-- would make that depend on the session's TimeZone setting. Text and layout are otherwise the seed's.

-- updated_at upkeep for every table that has the column.
CREATE FUNCTION beacon_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- agencies: tenants. api_key holds the bcrypt hash of the key; api_key_prefix is the key's non-secret
-- first part, so an API request finds its agency without trying bcrypt against every row.
CREATE TABLE agencies (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name           VARCHAR(255) NOT NULL,
  email          VARCHAR(255) UNIQUE,
  api_key        VARCHAR(255) NOT NULL,
  api_key_prefix VARCHAR(32) UNIQUE,
  config         JSONB DEFAULT '{}',
  status         VARCHAR(20) DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
  created_at     TIMESTAMPTZ DEFAULT NOW(),
  updated_at     TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_agencies_status ON agencies(status);
CREATE INDEX idx_agencies_email ON agencies(email);
CREATE TRIGGER agencies_updated_at BEFORE UPDATE ON agencies FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- sites: one tracked website; script_id is what the snippet carries and what events.site_id holds.
CREATE TABLE sites (
  id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id  UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  name       VARCHAR(255) NOT NULL,
  domain     VARCHAR(255) NOT NULL,
  script_id  VARCHAR(50) UNIQUE NOT NULL,
  config     JSONB DEFAULT '{}',
  status     VARCHAR(20) DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW()
);
-- The seed lists this index besides the UNIQUE constraint's own; kept so the two documents agree.
CREATE UNIQUE INDEX idx_sites_script_id ON sites(script_id);
CREATE INDEX idx_sites_agency_id ON sites(agency_id);
CREATE INDEX idx_sites_status ON sites(status);
CREATE INDEX idx_sites_domain ON sites(domain);
CREATE TRIGGER sites_updated_at BEFORE UPDATE ON sites FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- dashboard_users: people who log in to the dashboard of one agency.
CREATE TABLE dashboard_users (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id     UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  email         VARCHAR(255) NOT NULL UNIQUE,
  password_hash VARCHAR(255) NOT NULL,
  first_name    VARCHAR(100),
  last_name     VARCHAR(100),
  role          VARCHAR(20) NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'user', 'viewer')),
  is_active     BOOLEAN NOT NULL DEFAULT TRUE,
  last_login    TIMESTAMPTZ,
  created_at    TIMESTAMPTZ DEFAULT NOW(),
  updated_at    TIMESTAMPTZ DEFAULT NOW()
);
CREATE UNIQUE INDEX idx_dashboard_users_email ON dashboard_users(email);
CREATE INDEX idx_dashboard_users_agency_id ON dashboard_users(agency_id);
CREATE TRIGGER dashboard_users_updated_at BEFORE UPDATE ON dashboard_users FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- companies: B2B firms identified from visitor networks, one row per domain.
CREATE TABLE companies (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name            VARCHAR(255),
  domain          VARCHAR(255) UNIQUE,
  industry        VARCHAR(100),
  employee_count  VARCHAR(50),
  revenue         VARCHAR(50),
  enrichment_data JSONB DEFAULT '{}',
  created_at      TIMESTAMPTZ DEFAULT NOW(),
  updated_at      TIMESTAMPTZ DEFAULT NOW()
);
CREATE UNIQUE INDEX idx_companies_domain ON companies(domain);
CREATE INDEX idx_companies_name ON companies(name);
CREATE TRIGGER companies_updated_at BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- ---------------------------------------------------------------------------------------------------
-- sessions: one row per visit, kept up to date by the writer from the events it inserts.
-- site_id references sites(script_id) as the seed's diagram draws it: one check per session upsert is
-- cheap, unlike one per event row (see events below).
CREATE TABLE sessions (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id      VARCHAR(100) NOT NULL UNIQUE,
  client_id       VARCHAR(100),
  site_id         VARCHAR(50) NOT NULL REFERENCES sites(script_id) ON DELETE CASCADE,
  started_at      TIMESTAMPTZ,
  ended_at        TIMESTAMPTZ,
  page_views      INTEGER DEFAULT 0,
  events_count    INTEGER DEFAULT 0,
  engagement_time INTEGER DEFAULT 0,
  is_bounce       BOOLEAN,
  entry_page      TEXT,
  exit_page       TEXT,
  utm_source      VARCHAR(255),
  country         VARCHAR(2),
  device_type     VARCHAR(20)
);
CREATE UNIQUE INDEX idx_sessions_session_id ON sessions(session_id);
CREATE INDEX idx_sessions_client_id ON sessions(client_id);
CREATE INDEX idx_sessions_site_id ON sessions(site_id);
CREATE INDEX idx_sessions_started_at ON sessions(started_at DESC);
-- Beyond the seed: dashboards list and count a site's sessions over a time range.
CREATE INDEX idx_sessions_site_started ON sessions(site_id, started_at DESC);

-- ---------------------------------------------------------------------------------------------------
-- events: every hit, 69 columns, partitioned by month of server_timestamp. A partitioned table's
-- primary key must contain the partition key, hence (id, server_timestamp); id is a UUIDv7 assigned once
-- by the collector, so a re-delivered job meets the same key and ON CONFLICT skips it.
--
-- No foreign key from events.site_id to sites(script_id). Measured with `pnpm bench copy` (200,000
-- generated rows, psql \copy into this schema, same run): 67,100 rows/s without, 61,500 with the
-- constraint, about 8% of the writer's ceiling spent re-checking every row against sites and taking a
-- KEY SHARE lock on the site row. The collector only accepts hits of active sites and sites are retired
-- by status ('deleted'), not removed while they have events, so the constraint would guard nothing the
-- pipeline does not already guarantee; and a cascading delete through millions of event rows is not how
-- data should leave (retention drops whole partitions instead).
CREATE TABLE events (
  -- Event metadata
  id                     UUID NOT NULL,
  site_id                VARCHAR(50) NOT NULL,
  event_id               VARCHAR(100),
  event_name             VARCHAR(100) NOT NULL,
  timestamp              BIGINT,
  server_timestamp       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  -- User identification
  client_id              VARCHAR(100),
  session_id             VARCHAR(100),
  session_number         INTEGER,
  user_id                VARCHAR(100),
  email_hash             VARCHAR(64),
  phone_hash             VARCHAR(64),
  -- Device & browser
  user_agent             TEXT,
  device_type            VARCHAR(20),
  device_brand           VARCHAR(50),
  device_model           VARCHAR(100),
  browser                VARCHAR(50),
  browser_version        VARCHAR(20),
  os                     VARCHAR(50),
  os_version             VARCHAR(20),
  screen_resolution      VARCHAR(20),
  viewport_size          VARCHAR(20),
  device_pixel_ratio     DECIMAL(3,2),
  -- Network & location
  ip_address             VARCHAR(45),
  country                VARCHAR(2),
  country_name           VARCHAR(100),
  region                 VARCHAR(100),
  city                   VARCHAR(100),
  postal_code            VARCHAR(20),
  latitude               DECIMAL(10,7),
  longitude              DECIMAL(10,7),
  timezone               VARCHAR(50),
  isp                    VARCHAR(100),
  organization           VARCHAR(255),
  asn                    VARCHAR(20),
  company_name           VARCHAR(255),
  company_domain         VARCHAR(255),
  company_industry       VARCHAR(100),
  company_employee_count VARCHAR(50),
  company_revenue        VARCHAR(50),
  visitor_type           VARCHAR(20),
  is_vpn                 BOOLEAN,
  is_proxy               BOOLEAN,
  is_hosting             BOOLEAN,
  -- Page & referral
  page_url               TEXT,
  page_title             VARCHAR(500),
  page_path              TEXT,
  referrer               TEXT,
  referrer_domain        VARCHAR(255),
  utm_source             VARCHAR(255),
  utm_medium             VARCHAR(255),
  utm_campaign           VARCHAR(255),
  utm_content            VARCHAR(255),
  utm_term               VARCHAR(255),
  gclid                  VARCHAR(255),
  fbclid                 VARCHAR(255),
  ttclid                 VARCHAR(255),
  language               VARCHAR(10),
  -- Engagement
  time_on_page           INTEGER,
  scroll_depth           INTEGER,
  clicks                 INTEGER,
  form_submits           INTEGER,
  video_plays            INTEGER,
  file_downloads         INTEGER,
  engagement_score       DECIMAL(5,2),
  is_bounce              BOOLEAN,
  -- E-commerce & leads
  ecommerce_data         JSONB,
  lead_data              JSONB,
  properties             JSONB,
  PRIMARY KEY (id, server_timestamp)
) PARTITION BY RANGE (server_timestamp);

-- Rows for a month that has no partition yet land here instead of failing; creating that month's
-- partition moves them out (beacon_ensure_event_partitions).
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- The seed's indexes (created on the parent, so every partition gets them).
CREATE INDEX idx_events_site_id ON events(site_id);
CREATE INDEX idx_events_client_id ON events(client_id);
CREATE INDEX idx_events_session_id ON events(session_id);
CREATE INDEX idx_events_event_name ON events(event_name);
CREATE INDEX idx_events_server_timestamp ON events(server_timestamp DESC);
CREATE INDEX idx_events_company_name ON events(company_name) WHERE company_name IS NOT NULL;
CREATE INDEX idx_events_visitor_type ON events(visitor_type);
CREATE INDEX idx_events_country ON events(country);
-- Beyond the seed: every dashboard question is "this site, this time range". With it the five sample
-- queries read one site's rows of the range in index order instead of intersecting site_id with
-- server_timestamp (see docs/query-plans.md, kept true by packages/db/test/plans.test.ts).
CREATE INDEX idx_events_site_time ON events(site_id, server_timestamp DESC);

-- ---------------------------------------------------------------------------------------------------
-- dead_events: what could not be stored (PostgreSQL refused the row, enrichment failed on it). One row
-- per event id: a second failure of the same event counts up instead of adding a row.
CREATE TABLE dead_events (
  id            UUID PRIMARY KEY,
  site_id       VARCHAR(50),
  stage         VARCHAR(20) NOT NULL CHECK (stage IN ('collector', 'enricher', 'writer')),
  payload       JSONB NOT NULL,
  error         TEXT NOT NULL,
  sqlstate      VARCHAR(5),
  first_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  count         INTEGER NOT NULL DEFAULT 1,
  replayed_at   TIMESTAMPTZ
);
CREATE INDEX idx_dead_events_site_seen ON dead_events(site_id, last_seen_at DESC);
CREATE INDEX idx_dead_events_pending ON dead_events(last_seen_at) WHERE replayed_at IS NULL;
