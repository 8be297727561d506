/** Escapes text for HTML bodies and attributes. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A short transactional email (one message, one button): table layout and inline styles only, which is
 * what common mail clients render alike; no images. The text part says the same with the bare link.
 */
export function actionEmail(opts: {
  brand: string;
  heading: string;
  paragraphs: string[];
  action: { label: string; url: string };
  footer: string;
}): { text: string; html: string } {
  const text = [
    opts.heading,
    '',
    ...opts.paragraphs.flatMap((p) => [p, '']),
    `${opts.action.label}: ${opts.action.url}`,
    '',
    opts.footer,
    '',
    `-- ${opts.brand}`,
  ].join('\n');
  const p = (t: string) =>
    `<p style="margin:0 0 16px 0;font-size:15px;line-height:22px;color:#1f2933">${escapeHtml(t)}</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(opts.heading)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="560" cellspacing="0" cellpadding="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:6px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif">
<tr><td style="padding:24px 28px 8px 28px;font-size:13px;color:#52606d;letter-spacing:.04em;text-transform:uppercase">${escapeHtml(opts.brand)}</td></tr>
<tr><td style="padding:0 28px"><h1 style="margin:0 0 16px 0;font-size:20px;line-height:28px;color:#1f2933">${escapeHtml(opts.heading)}</h1>
${opts.paragraphs.map(p).join('\n')}
<table role="presentation" cellspacing="0" cellpadding="0"><tr><td style="border-radius:4px;background:#2457c5"><a href="${escapeHtml(opts.action.url)}" style="display:inline-block;padding:11px 20px;font-size:15px;color:#ffffff;text-decoration:none">${escapeHtml(opts.action.label)}</a></td></tr></table>
<p style="margin:16px 0 0 0;font-size:12px;line-height:18px;color:#7b8794;word-break:break-all">${escapeHtml(opts.action.url)}</p>
</td></tr>
<tr><td style="padding:20px 28px 24px 28px;font-size:12px;line-height:18px;color:#7b8794">${escapeHtml(opts.footer)}</td></tr>
</table></td></tr></table></body></html>`;
  return { text, html };
}
