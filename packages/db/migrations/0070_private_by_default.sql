-- Private by default (issue 17): a site without an `ip_anonymization` key in sites.config now stores
-- IPs truncated to /24 (IPv4) and /48 (IPv6) after the lookups (parseSiteConfig's default in
-- packages/schema/src/site-config.ts changed from 'none' to 'truncate' with this migration).
-- Sites that exist when this runs keep what they did: those without the key get an explicit 'none'.
-- New sites (any insert after this migration, by the API, the CLI or SQL) get the new default.
-- 'none' and 'drop' stay available per site.
UPDATE sites
SET config = COALESCE(config, '{}'::jsonb) || '{"ip_anonymization": "none"}'::jsonb
WHERE config IS NULL OR NOT (config ? 'ip_anonymization');
