// Rewrites services/api/queries.sql from the query module: `node services/api/dist/queries/write-sql.js`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generatedSql } from './generated-sql.js';

const target = fileURLToPath(new URL('../../queries.sql', import.meta.url));
await writeFile(target, await generatedSql());
process.stdout.write(`wrote ${target.split('/').slice(-3).join('/')}\n`);
