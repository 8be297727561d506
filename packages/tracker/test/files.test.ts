import { trackerFiles, TRACKER_FILE_NAMES } from '@beacon-analytics/tracker';

test('trackerFiles() gives absolute paths of the two built files', () => {
  const files = trackerFiles();
  expect(files.core).toMatch(new RegExp(`^/.*/packages/tracker/dist/${TRACKER_FILE_NAMES.core}$`));
  expect(files.extras).toMatch(new RegExp(`/packages/tracker/dist/${TRACKER_FILE_NAMES.extras}$`));
});
