// Pieces every form of the dashboard repeats: a labelled field, a select's options, a submit that
// tracks its busy and error states, and the "Saved." notice after a save.
import {
  useState,
  type ChangeEvent,
  type CSSProperties,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';
import { accentVars, BrandMark, PoweredBy, useHostBrand } from './brand';
import type { Brand } from './types';
import { ErrorBox } from './ui';

/** A labelled control: the label's text above the input, select or textarea it holds. */
export function Field({
  label,
  children,
  className,
}: {
  label: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <label className={className}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A labelled `<input>`: `label` above it, the other props its own. */
export function InputField({
  label,
  ...input
}: { label: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label}>
      <input {...input} />
    </Field>
  );
}

/** A checkbox with its text after it. */
export function Check({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <label className="check">
      {children}
      <span>{label}</span>
    </label>
  );
}

/** The `<option>`s of a select, from [value, label] pairs. */
export function Options({ of }: { of: readonly (readonly [string, string])[] }) {
  return (
    <>
      {of.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  );
}

/**
 * A labelled `<select>` of [value, label] options: `label` above it, `onValue` given the chosen value,
 * the other props the select's.
 */
export function SelectField({
  label,
  className,
  options,
  onValue,
  ...select
}: {
  label: ReactNode;
  className?: string;
  options: readonly (readonly [string, string])[];
  onValue?: (value: string) => void;
} & SelectHTMLAttributes<HTMLSelectElement>) {
  const onChange = onValue ? (e: ChangeEvent<HTMLSelectElement>) => onValue(e.target.value) : undefined;
  return (
    <Field label={label} className={className}>
      <select onChange={onChange} {...select}>
        <Options of={options} />
      </select>
    </Field>
  );
}

/**
 * A form's submit: runs `action` with the form's data, busy meanwhile, keeping the error it threw.
 * `action` answers true to reset the form (what was sent is done with).
 */
export function useSubmit(action: (data: FormData) => Promise<boolean | void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(null);
    try {
      if ((await action(new FormData(form))) === true) form.reset();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, onSubmit };
}

/** The error of a form's last submit, if any. */
export function FormError({ error, title }: { error: unknown; title?: string }) {
  if (error == null) return null;
  return <ErrorBox error={error} {...(title ? { title } : {})} />;
}

/** A "Saved." notice shown for three seconds after `show()`. */
export function useSavedNotice() {
  const [saved, setSaved] = useState(false);
  const show = () => {
    setSaved(true);
    setTimeout(() => setSaved(false), 3000);
  };
  return { saved, show };
}

/** A settings form's last row: its error, the save button and the "Saved." notice. */
export function SaveRow({
  label,
  busy,
  saved,
  error,
}: {
  label: string;
  busy: boolean;
  saved: boolean;
  error: unknown;
}) {
  return (
    <>
      <FormError error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {label}
        </button>
        <span role="status">{saved ? 'Saved.' : ''}</span>
      </div>
    </>
  );
}

/** A form's error and its primary submit button (disabled while it runs). */
export function SubmitRow({
  label,
  busy = false,
  error,
  errorTitle,
  disabled = false,
}: {
  label: ReactNode;
  busy?: boolean;
  error?: unknown;
  errorTitle?: string;
  disabled?: boolean;
}) {
  return (
    <>
      <FormError error={error} {...(errorTitle ? { title: errorTitle } : {})} />
      <button type="submit" className="primary" disabled={busy || disabled}>
        {label}
      </button>
    </>
  );
}

/** A form alone in the middle of the page: sign in, choose a password, open a protected share link. */
export function CardForm({
  id,
  title,
  onSubmit,
  branded,
  children,
}: {
  id: string;
  title: ReactNode;
  onSubmit: (e: FormEvent<HTMLFormElement>) => unknown;
  /**
   * The host's brand above the title and its "powered by" below (sign in, password pages); or this
   * brand, in its colour (a protected share link's agency).
   */
  branded?: boolean | Brand;
  children: ReactNode;
}) {
  const hostBrand = useHostBrand();
  const own = typeof branded === 'object' ? branded : null;
  const brand = own ?? hostBrand;
  const style = own?.primary_color ? (accentVars(own.primary_color) as CSSProperties) : undefined;
  return (
    <main className="login brand-scope" id="main" style={style}>
      <form className="panel login-form" aria-labelledby={id} onSubmit={onSubmit}>
        {branded && <BrandMark brand={brand} big />}
        <h1 id={id}>{title}</h1>
        {children}
      </form>
      {branded && <PoweredBy brand={brand} />}
    </main>
  );
}

/** A form's onSubmit that hands over its fields (the page stays put); `form` to reset it after. */
export const onFields =
  (fn: (f: FormData, form: HTMLFormElement) => unknown) => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    fn(new FormData(e.currentTarget), e.currentTarget);
  };

/**
 * The addresses of a recipients field (separated by commas, semicolons, spaces or lines), lower-cased
 * and without repeats; throws naming the first one that is not an email address (the API's rule: at
 * most 50, each up to 255 characters).
 */
export function emailList(text: string, max = 50): string[] {
  const list = [
    ...new Set(
      text
        .toLowerCase()
        .split(/[\s,;]+/)
        .filter(Boolean),
    ),
  ];
  if (list.length === 0) throw new Error('Give at least one email address.');
  if (list.length > max) throw new Error(`At most ${max} addresses.`);
  const bad = list.find((a) => a.length > 255 || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a));
  if (bad) throw new Error(`“${bad}” is not an email address.`);
  return list;
}

/** A textarea of email addresses separated by commas (read back with emailList). */
export function RecipientsField({
  label,
  recipients,
  placeholder,
}: {
  label: string;
  recipients: readonly string[] | undefined;
  placeholder: string;
}) {
  return (
    <Field label={label}>
      <textarea
        name="recipients"
        rows={2}
        required
        defaultValue={recipients?.join(', ') ?? ''}
        placeholder={placeholder}
      />
    </Field>
  );
}

/** The last row of a form that adds an item, or saves the one being edited (then with Cancel). */
export function AddOrSaveRow({
  editing,
  add,
  save,
  busy,
  error,
  onCancel,
}: {
  editing: boolean;
  add: string;
  save: string;
  busy: boolean;
  error: unknown;
  onCancel: () => void;
}) {
  return (
    <div className="actions">
      <SubmitRow label={editing ? save : add} busy={busy} error={error} errorTitle="Could not save it:" />
      {editing && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
