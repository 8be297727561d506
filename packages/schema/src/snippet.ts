/** Where browsers load the tracker: the collector's public base URL and script path (config.collector). */
export interface SnippetCollector {
  /** COLLECTOR_PUBLIC_URL, e.g. https://collector.example.com (or a first-party proxy's base). */
  readonly publicUrl: string;
  /** COLLECTOR_SCRIPT_PATH, e.g. /v1/beacon.js */
  readonly scriptPath: string;
}

/**
 * The one tracking snippet of Beacon: the HTML a site owner pastes into every page, as the API
 * (`GET /v1/sites/{id}/snippet`, which the dashboard shows), `beacon site create` and the demo page
 * print it. It carries only the site's script_id: the privacy switches (cookieless, require_consent,
 * respect_dnt) are not attributes but answered by the collector when the tracker starts, so a change
 * in the settings also reaches pages tagged long ago (docs/tracker.md "Privacy switches").
 */
export function renderSnippet(scriptId: string, collector: SnippetCollector): string {
  const src = collector.publicUrl.replace(/\/+$/, '') + collector.scriptPath;
  return `<script defer data-site="${escapeAttr(scriptId)}" src="${escapeAttr(src)}"></script>`;
}

function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
