/**
 * Beacon browser tracker, core file (dist/beacon.js, budget 2 KB gzipped). Page views, SPA navigation,
 * engagement on page exit, custom events, identify (SHA-256 in the browser), client/session ids,
 * privacy switches, batching with an outbox in localStorage for retries. Outbound/download clicks,
 * forms, media and the ecommerce/lead helpers are in extras.ts (loaded with data-extras).
 * Options come from the script tag's data- attributes: see docs/tracker.md. Wire format: DESIGN.md
 * "Wire format" (snake_case column names, POST {site_id, events}).
 *
 * Written for size (test/budget.test.ts): check `pnpm build`'s size line after every change.
 */
import type { Beacon, Hit, SiteSettings } from './types.js';

type Entry = { i: string; t: number; b: string };

const w = window;
const d = document;
const nav = navigator;
const loc = location;
const now = Date.now;
// Capture listeners on window see every event of the page, also those that do not bubble (play, scroll).
const on = (e: string, f: (ev: never) => void) => w.addEventListener(e, f as EventListener, true);

// A classic script (defer or async); a module script would have no currentScript.
const script = d.currentScript as HTMLScriptElement;
// Options: the data- attributes of this tag (data-cookie-domain is dataset.cookieDomain); see docs/tracker.md.
const opt = script.dataset;
// data-site, or the script URL ending in ?site=SCRIPT_ID: an injected tag (Google Tag Manager's
// injectScript, gtm/template.tpl) cannot carry data- attributes. Script ids need no URL escaping.
const siteId = opt.site || script.src.split('?site=')[1];
const url = (v: string | undefined, rel: string) => new URL(v || rel, script.src).href;

const api = url(opt.api, 'batch');
const manual = 'manual' in opt;

/**
 * The site's privacy switches (sites.config), as the collector answers `GET {data-api}?site_id=…` (see
 * flush), so a change in the dashboard reaches pages tagged long ago on their next load (within the
 * answer's max-age). Until they are known nothing is sent, set or stored: hits wait in memory. A page
 * may add data-cookieless or data-require-consent (stricter only: it cannot loosen the site's settings).
 */
let site: SiteSettings | false | undefined;
/** No cookie and no localStorage; true until the settings say otherwise. */
let cookieless: unknown = 1;

// ---- ids ---------------------------------------------------------------------------------------
const hex = (a: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(a)].map((b) => (b | 256).toString(16).slice(1)).join('');
// 32 random hex digits from getRandomValues (crypto.randomUUID needs a secure context; this does not).
const uuid = () => hex(crypto.getRandomValues(new Uint8Array(16)));
/** SHA-256 hex, or undefined without crypto.subtle (pages not served over https or from localhost). */
const sha = async (s: string) => {
  try {
    return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  } catch {
    /* no hash rather than the raw value */
  }
};

const CLIENT = '_bcn';
const SESSION = '_bcn_s';
const cookie = (n: string) => d.cookie.match('\\b' + n + '=([^;]*)')?.[1];
// Read by this script only, never needed by a server: no SameSite; Secure where the page is https.
const setCookie = (n: string, v: string, age: number) =>
  (d.cookie =
    n +
    '=' +
    v +
    ';path=/;max-age=' +
    age +
    (opt.cookieDomain ? ';domain=' + opt.cookieDomain : '') +
    (loc.protocol == 'https:' ? ';secure' : ''));

/** client_id (2-year cookie), session_id (cookie renewed on each send: 30 minutes of inactivity end it), session_number. */
const ids = (): Hit => {
  if (cookieless) return {};
  const [c, last] = (cookie(CLIENT) || uuid() + '.0').split('.');
  let n: string | number = last!;
  let s = cookie(SESSION);
  if (!s) {
    s = uuid();
    n = -~n; // -~ also turns a missing or damaged count into 1
  }
  setCookie(CLIENT, c + '.' + n, 63072000);
  setCookie(SESSION, s, 1800);
  return { client_id: c, session_id: s, session_number: +n };
};

// ---- outbox: each batch is stored before it is sent and removed once the collector answered -----
// Kept in localStorage (not in cookieless mode) so a batch lost with its page is sent by the next one.
const BOX = '_bcn_q';
let mem: Entry[] = [];
const store = (l?: Entry[]): Entry[] => {
  try {
    // Nothing is read or written before the site's settings are known (cookieless is 1 until then).
    if (l) {
      // 23 h: a retried event must reach the collector within its 24 h event_id dedupe window.
      mem = l.filter((e) => now() - e.t < 828e5).slice(-30);
      if (!cookieless) localStorage.setItem(BOX, JSON.stringify(mem));
    } else if (!cookieless) mem = JSON.parse(localStorage.getItem(BOX)!) || [];
  } catch {
    /* storage blocked or full: the in-memory copy still retries during this page */
  }
  return mem;
};

let consent: boolean | undefined;
const inflight: Record<string, 1> = {};
let backoff = 1e3;
let retry: unknown;
/** The collector answered the last send (any answer but 5xx/429). */
let healthy: unknown;

/**
 * Sends one outbox batch. At page exit, while the collector answers, the browser's beacon queue takes it
 * (text/plain, no preflight; delivered after the page is gone) and it leaves the outbox at once, so the
 * next page does not send it again; so does a batch whose keepalive fetch is still under way (it outlives
 * the page too). Otherwise fetch: the batch stays in the outbox until answered.
 */
const send = (e: Entry, exit?: unknown) =>
  exit && healthy && (inflight[e.i] || nav.sendBeacon(api, e.b))
    ? store(store().filter((x) => x.i != e.i))
    : inflight[e.i] ||
      ((inflight[e.i] = 1),
      fetch(api, { method: 'POST', body: e.b, keepalive: true })
        // 4xx is final (the collector will never take this batch); 5xx, 429 and network errors are retried.
        .then(
          (r) => r.status < 500 && r.status - 429, // 0 (false) for 429
          () => 0,
        )
        .then((ok) => {
          delete inflight[e.i];
          // Every batch is in the outbox before it is sent: a failed one stays there for the retry.
          if ((healthy = ok)) store(store().filter((x) => x.i != e.i));
          else retry ||= setTimeout(() => flush((retry = 0)), (backoff = Math.min(backoff * 2, 6e4)));
        }));

let queue: Hit[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Sends what waits. `exit`: the page is leaving (hidden, page hide, outbound click) and will not live
 * to see an answer: see send.
 */
function flush(exit?: unknown) {
  timer = clearTimeout(timer) as undefined;
  if (!site)
    // Unknown or paused site, network or server error: asked again by the next flush (a new hit, exit).
    fetch(api + '?site_id=' + siteId)
      .then((r) => r.ok && r.json())
      .then(
        (s: SiteSettings | false) =>
          (site = s) && ((cookieless = s.cookieless || 'cookieless' in opt), flush()),
        () => 0,
      );
  // Without consent yet, sending waits when the site (or page) requires consent, or when the site
  // respects Do-Not-Track / Global Privacy Control and the browser sends either.
  else if (
    consent ??
    !(
      'requireConsent' in opt ||
      site.require_consent ||
      (site.respect_dnt &&
        (nav.doNotTrack == (1 as never) || (nav as { globalPrivacyControl?: boolean }).globalPrivacyControl))
    )
  ) {
    if (queue[0]) {
      const id = ids();
      const events = queue.splice(0, 50).map((h) => ({ ...id, ...h }));
      // consent: true once beacon.consent(true) was called (a site requiring consent drops hits without it).
      const e = { i: uuid(), t: now(), b: JSON.stringify({ site_id: siteId, consent, events }) };
      store([...store(), e]);
    }
    store().forEach((e) => send(e, exit));
    if (queue[0]) flush(exit);
  }
}

// ---- hits --------------------------------------------------------------------------------------
/** user_id, email_hash, phone_hash of the last identify(), sent with every later hit of the page. */
let ident: Hit = {};
let referrer = d.referrer;

const hit = (name: string, extra?: Hit) => {
  queue.push({
    event_name: name,
    event_id: uuid(),
    timestamp: now(),
    page_url: loc.href,
    page_title: d.title,
    referrer,
    screen_resolution: screen.width + 'x' + screen.height,
    viewport_size: innerWidth + 'x' + innerHeight,
    device_pixel_ratio: devicePixelRatio, // rounded to 2 decimals by the collector (schema hit.ts)
    language: nav.language,
    ...ident,
    ...extra,
  });
  if (queue[500]) queue.shift(); // bounded (500) while consent is pending
  timer ||= setTimeout(flush, 1e3);
};

// ---- engagement of the current page view ------------------------------------------------------
let pageId = '';
let pageUrl = '';
let visibleMs = 0;
let visibleSince = 0;
let scroll = 0;
let sentScroll = 0;
let count: Record<string, number> = {};
/** Engagement counters (clicks, form_submits, video_plays, file_downloads); absent means none. */
const bump = (k: string) => (count[k] = -~count[k]!);

const tick = () => {
  const t = now();
  visibleMs += visibleSince && t - visibleSince;
  visibleSince = d.hidden ? 0 : t;
};
const measureScroll = () => {
  // A page no taller than the window is read in full (also 0/0 in an empty frame: NaN || 100).
  scroll = Math.max(
    scroll,
    Math.min(100, Math.round(((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100)) || 100,
  );
};

/**
 * One `engagement` event per exit of a page view (hidden tab, page hide, SPA navigation), sent only
 * when something changed: time_on_page (visible seconds) and the counters are deltas since the
 * previous engagement event of the same page view, scroll_depth is the maximum so far, and
 * properties.page_view_id names the page_view it belongs to.
 */
const engage = () => {
  tick();
  measureScroll();
  const t = Math.round(visibleMs / 1e3);
  visibleMs -= t * 1e3;
  if (pageId && (t || scroll > sentScroll || Object.keys(count)[0]))
    hit(
      'engagement',
      // page_url of the page view it belongs to (after an SPA navigation location shows the next one).
      {
        page_url: pageUrl,
        time_on_page: t,
        scroll_depth: (sentScroll = scroll),
        ...count,
        properties: { page_view_id: pageId },
      },
    );
  count = {};
};
// An exit stops the visible-time clock (the visibilitychange to visible restarts it, also on a return
// from the back/forward cache): browsers fire pagehide before the visibilitychange to hidden, and the
// time counted between the two sent a second engagement of a second.
const exit = () => (engage(), (visibleSince = 0), flush(1));

// What makes a new page: the URL without its #fragment, unless the site routes by hash (data-hash).
const key = (u: string) => ('hash' in opt ? u : u.split('#')[0]);
const page = (extra?: Hit) => {
  engage();
  if (pageUrl) referrer = pageUrl;
  pageUrl = loc.href;
  visibleMs = scroll = sentScroll = 0;
  measureScroll();
  hit('page_view', { ...extra, event_id: (pageId = uuid()) });
};
const navigated = () => manual || key(loc.href) == key(pageUrl) || page();

// ---- listeners ---------------------------------------------------------------------------------
// Clicks are counted here; outbound-link and download clicks are events of the extras file.
on('click', () => bump('clicks'));
on('submit', () => bump('form_submits'));
on('play', () => bump('video_plays'));
on('scroll', measureScroll);
on('visibilitychange', () => (d.hidden ? exit : tick)());
on('pagehide', exit);
on('popstate', navigated);
on('hashchange', navigated);
const push = history.pushState;
history.pushState = function (...a) {
  push.apply(this, a);
  navigated();
};

// ---- public API --------------------------------------------------------------------------------
const b = ((m: string, ...a: unknown[]) =>
  b[m] ? (b[m] as (...x: unknown[]) => unknown)(...a) : b.q.push([m, ...a])) as Beacon;
const early = w.beacon?.q || [];
b.q = [];
b.track = (name, props, extra) => hit(name, { properties: props, ...extra });
b.page = (props) => page({ properties: props });
b.flush = flush;
b.sha = sha;
b.bump = bump;
b.identify = async (user, { email, phone } = {}) => {
  // The collector takes strings only (no null): an empty or missing value is left out.
  ident = {
    user_id: user ? '' + user : undefined,
    email_hash: email ? await sha(email.trim().toLowerCase()) : undefined,
    phone_hash: phone ? await sha(phone.replace(/[^\d+]/g, '')) : undefined,
  };
  hit('identify');
};
b.consent = (yes) => {
  if ((consent = !!yes)) return flush();
  queue = [];
  store([]);
  setCookie(CLIENT, '', 0);
  setCookie(SESSION, '', 0);
};
w.beacon = b;

if ('extras' in opt) d.head.appendChild(d.createElement('script')).src = url(opt.extras, 'beacon-extras.js');
if (!manual) page();
// Calls made before this file ran: window.beacon = window.beacon || function () { (beacon.q = beacon.q || []).push(arguments) }
for (const a of early) b(...(a as [string]));
flush();
