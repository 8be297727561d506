#!/usr/bin/env node
// Converts Matomo's CC0 referrer lists (data/matomo/*.yml, from github.com/matomo-org/searchengine-and-social-list)
// into the compact data/matomo/referers.json the enricher loads at start:
//   { "search": { "<name>": ["host or host/path pattern", ...] }, "social": {...}, "ai": {...} }
// The YAML of these three files is regular (top-level names; lists of hosts, or for search engines a
// list of {urls, params, backlink, charsets, hiddenkeyword}), so a line reader is enough and the build
// needs no YAML dependency. Refresh: copy the three .yml files and LICENSE from a new release of the
// list into data/matomo/, then run `node services/enricher/scripts/build-matomo-lists.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../data/matomo/', import.meta.url));

function unquote(v) {
  const t = v.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')))
    return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** Top-level name -> list of hosts. For search engines only the items under `urls:` count. */
export function parseList(text, { nestedUrls }) {
  const out = {};
  let name = null;
  let inUrls = !nestedUrls;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (!line || line.trimStart().startsWith('#')) continue;
    if (!line.startsWith(' ') && !line.startsWith('-')) {
      name = unquote(line.slice(0, line.lastIndexOf(':')));
      out[name] ??= [];
      inUrls = !nestedUrls;
      continue;
    }
    if (nestedUrls) {
      // "  - urls:" opens a definition and its first key on one line.
      const key = /^ {4}([a-z]+):/.exec(line) ?? /^ {2}- ([a-z]+):/.exec(line);
      if (key) {
        inUrls = key[1] === 'urls';
        continue;
      }
      if (/^ {2}-\s*$/.test(line)) continue; // a new engine definition
      const item = /^ {6}- (.*)$/.exec(line);
      if (item && inUrls && name) out[name].push(unquote(item[1]).toLowerCase());
    } else {
      const item = /^ {2}- (.*)$/.exec(line);
      if (item && name) out[name].push(unquote(item[1]).toLowerCase());
    }
  }
  for (const k of Object.keys(out)) if (out[k].length === 0) delete out[k];
  return out;
}

export function build() {
  const read = (f) => readFileSync(dir + f, 'utf8');
  return {
    source: 'matomo-org/searchengine-and-social-list (CC0-1.0), see LICENSE',
    search: parseList(read('SearchEngines.yml'), { nestedUrls: true }),
    social: parseList(read('Socials.yml'), { nestedUrls: false }),
    ai: parseList(read('AIAssistants.yml'), { nestedUrls: false }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lists = build();
  writeFileSync(dir + 'referers.json', `${JSON.stringify(lists)}\n`);
  const n = (o) => Object.values(o).reduce((a, v) => a + v.length, 0);
  console.log(
    `referers.json: ${n(lists.search)} search, ${n(lists.social)} social, ${n(lists.ai)} ai patterns`,
  );
}
