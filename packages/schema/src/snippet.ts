/**
 * The HTML a site owner pastes into every page: loads the tracker asynchronously with the site's
 * script_id. `collectorUrl` is the public base URL of the collector (or the site's own first-party
 * proxy path, see README).
 */
export function renderSnippet(scriptId: string, collectorUrl: string, scriptPath = '/v1/beacon.js'): string {
  const base = collectorUrl.replace(/\/+$/, '');
  return `<script defer data-site="${escapeAttr(scriptId)}" src="${escapeAttr(base + scriptPath)}"></script>`;
}

function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
