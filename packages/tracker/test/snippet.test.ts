import { snippetDataAttributes, trackerFiles, TRACKER_FILE_NAMES } from '@beacon/tracker';

describe('snippetDataAttributes', () => {
  test('defaults need no attribute', () => {
    expect(snippetDataAttributes({})).toBe('');
    expect(snippetDataAttributes({ cookieless: false, respect_dnt: true, require_consent: false })).toBe('');
  });
  test('each switch of sites.config becomes the attribute the tracker reads', () => {
    expect(snippetDataAttributes({ cookieless: true, require_consent: true, respect_dnt: false })).toBe(
      ' data-cookieless data-require-consent data-respect-dnt="false"',
    );
  });
});

test('trackerFiles() gives absolute paths of the two built files', () => {
  const files = trackerFiles();
  expect(files.core).toMatch(new RegExp(`^/.*/packages/tracker/dist/${TRACKER_FILE_NAMES.core}$`));
  expect(files.extras).toMatch(new RegExp(`/packages/tracker/dist/${TRACKER_FILE_NAMES.extras}$`));
});
