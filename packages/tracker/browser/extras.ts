/**
 * Beacon browser tracker, extras file (dist/beacon-extras.js): loaded by the core only when the
 * snippet carries `data-extras`. Outbound-link and download clicks, form submissions and media plays as
 * events of their own (the core counts clicks, forms and plays in engagement; downloads are counted
 * here), and the ecommerce / lead helpers. See docs/tracker.md.
 */
import type { Hit } from './types.js';

const b = window.beacon;
const d = document;
const on = (e: string, f: (t: never) => void) => d.addEventListener(e, (ev) => f(ev.target as never), true);
const text = (v: unknown) => (v ? String(v).slice(0, 500) : undefined);

// ---- links: downloads and outbound clicks, sent at once (the page may be leaving) -----------------
const DOWNLOAD =
  /\.(pdf|docx?|xlsx?|pptx?|odt|ods|csv|txt|rtf|zip|rar|7z|gz|tgz|dmg|exe|msi|pkg|deb|apk|iso|mp3|mp4|mov|avi|wav|epub)$/i;
const link = (t: Element) => {
  const a = t.closest?.('a[href]') as HTMLAnchorElement | null;
  if (!a) return;
  const props = { url: a.href };
  if (a.hasAttribute('download') || DOWNLOAD.test(a.pathname)) {
    b.bump('file_downloads');
    b.track('file_download', props);
    b.flush();
  } else if (a.host && a.host != location.host) {
    // mailto: and tel: links have no host. The page is probably leaving: an exit send.
    b.track('outbound_click', props);
    b.flush(1);
  }
};
on('click', link);
// Middle-click opens a new tab: no click event, but still a download or an outbound visit.
d.addEventListener('auxclick', (e) => e.button == 1 && link(e.target as Element), true);

// ---- forms: which form, never what was typed into it --------------------------------------------
on('submit', (f: HTMLFormElement) =>
  b.track('form_submit', {
    form_id: text(f.id),
    form_name: text(f.getAttribute('name')),
    form_action: text(f.getAttribute('action')),
  }),
);

// ---- media: play, 25/50/75 % progress, complete ---------------------------------------------------
const media = (m: HTMLMediaElement, extra?: Hit) => ({
  media: m.tagName.toLowerCase(),
  src: text(m.currentSrc || m.getAttribute('src')),
  title: text(m.title || m.getAttribute('aria-label')),
  ...extra,
});
const reached = new WeakMap<HTMLMediaElement, number>();
on('play', (m: HTMLMediaElement) => b.track('video_play', media(m)));
on('ended', (m: HTMLMediaElement) => b.track('video_complete', media(m)));
on('timeupdate', (m: HTMLMediaElement) => {
  const pct = Math.floor(((m.currentTime / m.duration) * 100) / 25) * 25;
  if (pct > 0 && pct < 100 && pct > (reached.get(m) || 0)) {
    reached.set(m, pct);
    b.track('video_progress', media(m, { percent: pct }));
  }
});

// ---- ecommerce: ecommerce_data carries the seed's transaction/cart JSON as given ----------------
type Data = Record<string, unknown>;
const ecommerce = (name: string, data: Data = {}, props?: Data) =>
  b.track(name, props, { ecommerce_data: data });
b.ecommerce = ecommerce;
b.viewItem = (data: Data) => ecommerce('view_item', data);
b.addToCart = (data: Data) => ecommerce('add_to_cart', data);
b.removeFromCart = (data: Data) => ecommerce('remove_from_cart', data);
b.beginCheckout = (data: Data) => ecommerce('begin_checkout', data);
b.purchase = (data: Data) => ecommerce('purchase', data);
// {transaction_id, value?}: subtracted from that order's revenue (docs/conversions.md "Refunds").
b.refund = (data: Data) => ecommerce('refund', data);

// ---- leads: email and phone leave the page only as SHA-256 (same normalisation as identify) -----
b.lead = async (data: Data = {}, name = 'generate_lead') => {
  const { email, phone, ...rest } = data;
  const extra: Hit = { lead_data: rest };
  if (email) extra.email_hash = await b.sha(String(email).trim().toLowerCase());
  if (phone) extra.phone_hash = await b.sha(String(phone).replace(/[^\d+]/g, ''));
  b.track(name, undefined, extra);
};

// Calls that arrived before this file (beacon('purchase', {...}) while it loaded).
const q = b.q.splice(0);
for (const a of q) b(...(a as [string]));
