import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `pnpm --filter @beacon/dashboard dev` proxies the API (BEACON_API_URL, default the api's port 3000).
const api = process.env.BEACON_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: { manifest: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/v1': api, '/openapi.json': api } },
});
