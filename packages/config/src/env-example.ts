import type { Setting } from './setting.js';
import { groupTitles, settings } from './settings/index.js';

/** The text of .env.example, generated from the declarations so it cannot drift from them. */
export function renderEnvExample(): string {
  const lines = [
    '# Beacon configuration. Every variable is optional unless marked required; the value shown is the default.',
    '# Copy to .env (read at start-up when present) or set the variables in the environment.',
    '# Generated from packages/config (pnpm beacon config env-example > .env.example).',
  ];
  for (const [group, defs] of Object.entries(settings)) {
    lines.push('', `# ---- ${groupTitles[group as keyof typeof settings]} ----`);
    for (const def of Object.values(defs as Record<string, Setting<unknown>>)) {
      lines.push('');
      for (const docLine of wrap(def.doc, 100)) lines.push(`# ${docLine}`);
      if (def.default === undefined) lines.push('# (required)');
      lines.push(`${def.env}=${def.example}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
