// CSV downloads started by a button (a page's export, a panel's dimension): the download and its error.
import { useState } from 'react';
import { download } from './api';

/** Starts authenticated downloads; `error` is the last one's failure (cleared when another starts). */
export function useDownload() {
  const [error, setError] = useState<unknown>(null);
  const start = (path: string, filename: string) => {
    setError(null);
    download(path, filename).catch(setError);
  };
  return { error, start };
}

/** A page's "Export CSV" button, among its panel's actions. */
export function ExportCsvButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick}>
      Export CSV
    </button>
  );
}
