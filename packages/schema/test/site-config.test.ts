import { parseSiteConfig, trackerSettings } from '@beacon/schema';

test('private by default: a site without ip_anonymization truncates; a malformed value too', () => {
  expect(parseSiteConfig({}).ip_anonymization).toBe('truncate');
  expect(parseSiteConfig(null).ip_anonymization).toBe('truncate');
  expect(parseSiteConfig({ ip_anonymization: 'hash' }).ip_anonymization).toBe('truncate');
  expect(parseSiteConfig({ ip_anonymization: 'none' }).ip_anonymization).toBe('none');
  expect(parseSiteConfig({ ip_anonymization: 'drop' }).ip_anonymization).toBe('drop');
});

test('retention_months: a whole number of months or unset (malformed values are ignored)', () => {
  expect(parseSiteConfig({ retention_months: 3 }).retention_months).toBe(3);
  expect(parseSiteConfig({}).retention_months).toBeUndefined();
  expect(parseSiteConfig({ retention_months: 'soon' }).retention_months).toBeUndefined();
  expect(parseSiteConfig({ retention_months: 0 }).retention_months).toBeUndefined();
});

test('what the tracker is told: the three switches, defaults included, nothing else of the config', () => {
  expect(
    trackerSettings(parseSiteConfig({ allowed_origins: ['a.example'], timezone: 'Europe/Paris' })),
  ).toEqual({
    cookieless: false,
    require_consent: false,
    respect_dnt: true,
  });
  expect(
    trackerSettings(parseSiteConfig({ cookieless: true, require_consent: true, respect_dnt: false })),
  ).toEqual({ cookieless: true, require_consent: true, respect_dnt: false });
});
