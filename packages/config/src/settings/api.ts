import { parsers as p, setting } from '../setting.js';

/** Query API, auth and administration. */
export const api = {
  port: setting('API_PORT', p.int(0, 65535), 3000, 'Port of the query API, the dashboard and /openapi.json.'),
  host: setting('API_HOST', p.string({ min: 1 }), '0.0.0.0', 'Address the API listens on.'),
};
