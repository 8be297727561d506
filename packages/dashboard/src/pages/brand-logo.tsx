// The logo field of the branding page: a file checked as the API checks it (type and size) before it
// is sent, its preview, and removal. Nothing is uploaded until the page's Save.
import { useRef, useState } from 'react';
import { Field } from '../form';
import { fmtBytes } from '../format';

/** What PUT /v1/agency/branding/logo takes (services/api/src/routes/branding.ts: LOGO_TYPES, LOGO_MAX_BYTES). */
const LOGO_TYPES: Record<string, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };
export const LOGO_MAX_BYTES = 64 * 1024;

/** The logo as the page will save it: kept, replaced by a chosen file, or removed. */
export type LogoChange =
  | { kind: 'keep' }
  | { kind: 'remove' }
  | { kind: 'new'; name: string; content_type: string; data: string; url: string };

/** Why a chosen file cannot be the logo, or null when it can. */
export function logoProblem(file: { name: string; type: string; size: number }): string | null {
  if (!LOGO_TYPES[file.type]) return `“${file.name}” is not a PNG, JPEG or WebP image.`;
  if (file.size > LOGO_MAX_BYTES)
    return `“${file.name}” is ${fmtBytes(file.size)}: a logo may be at most ${fmtBytes(LOGO_MAX_BYTES)}.`;
  return null;
}

const readAsDataUrl = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(file);
  });

/**
 * The logo field: the current (or newly chosen) logo's preview, a file input and "Remove".
 * `current`: the stored logo's data URL (null: none).
 */
export function LogoField({
  current,
  change,
  onChange,
}: {
  current: string | null;
  change: LogoChange;
  onChange: (c: LogoChange) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const shown = change.kind === 'new' ? change.url : change.kind === 'remove' ? null : current;
  const pick = async (file: File | undefined) => {
    if (!file) return;
    const bad = logoProblem(file);
    setProblem(bad);
    if (bad) {
      if (input.current) input.current.value = '';
      return;
    }
    const url = await readAsDataUrl(file);
    onChange({
      kind: 'new',
      name: file.name,
      content_type: file.type,
      data: url.slice(url.indexOf(',') + 1),
      url,
    });
  };
  const remove = () => {
    if (input.current) input.current.value = '';
    setProblem(null);
    onChange(current ? { kind: 'remove' } : { kind: 'keep' });
  };
  return (
    <div className="logo-field">
      <div className="logo-preview" aria-live="polite">
        {shown ? (
          <img src={shown} alt="The logo" />
        ) : (
          <span className="muted small">No logo: the name stands alone.</span>
        )}
      </div>
      <Field label={`Logo (${Object.values(LOGO_TYPES).join(', ')}; at most ${fmtBytes(LOGO_MAX_BYTES)})`}>
        <input
          ref={input}
          type="file"
          name="logo"
          accept={Object.keys(LOGO_TYPES).join(',')}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'logo-problem' : undefined}
          onChange={(e) => void pick(e.target.files?.[0])}
        />
      </Field>
      {problem && (
        <p className="field-error" id="logo-problem" role="alert">
          {problem}
        </p>
      )}
      {shown && (
        <button type="button" className="link" onClick={remove}>
          Remove the logo
        </button>
      )}
    </div>
  );
}
