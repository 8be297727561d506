// Rewrites services/api/openapi.json from the route definitions: `node services/api/dist/write-openapi.js`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, documentText } from './openapi/document.js';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
await writeFile(target, documentText(await buildOpenApiDocument()));
process.stdout.write(`wrote ${target.split('/').slice(-3).join('/')}\n`);
