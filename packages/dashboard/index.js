// What the dashboard package gives Node: where its build lands (vite's dist/, made by `pnpm build`).
// The API serves that directory at / when it is handed it; `beacon serve` (services/cli) hands it
// over, so the API never reaches into this package by a relative path.
import { fileURLToPath } from 'node:url';

export function dashboardDir() {
  return fileURLToPath(new URL('./dist/', import.meta.url));
}
