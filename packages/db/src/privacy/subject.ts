import { canonicalIp } from '@beacon/schema';
import { SUBJECT_FIELDS } from '../sql/privacy.js';

/** The identifiers naming one person (data subject); at least one is given. */
export type Subject = Partial<Record<(typeof SUBJECT_FIELDS)[number], string>>;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

/** Longest value of each identifier: the length of its events column. */
export const SUBJECT_MAX_LENGTH: Record<SubjectField, number> = {
  client_id: 100,
  user_id: 100,
  email_hash: 64,
  phone_hash: 64,
  ip: 45,
};

/** A subject that cannot name anyone; the message says why (a 400 in the API, exit 1 in the CLI). */
export class SubjectError extends Error {
  override readonly name = 'SubjectError';
}

/** Checks and trims the identifiers (empty strings count as not given). */
export function normalizeSubject(input: Record<string, unknown>): Subject {
  const out: Subject = {};
  for (const key of Object.keys(input)) {
    if (!(SUBJECT_FIELDS as readonly string[]).includes(key) && input[key] !== undefined)
      throw new SubjectError(`unknown identifier ${key} (one of ${SUBJECT_FIELDS.join(', ')})`);
  }
  for (const f of SUBJECT_FIELDS) {
    const raw = input[f];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string') throw new SubjectError(`${f} must be a string`);
    const v = raw.trim();
    if (v === '') continue;
    if (v.length > SUBJECT_MAX_LENGTH[f])
      throw new SubjectError(`${f} is longer than ${SUBJECT_MAX_LENGTH[f]} characters`);
    if (f === 'ip') {
      const ip = canonicalIp(v);
      if (!ip) throw new SubjectError(`ip ${JSON.stringify(v)} is not an IPv4 or IPv6 address`);
      out.ip = ip;
    } else out[f] = v;
  }
  if (Object.keys(out).length === 0)
    throw new SubjectError(`give at least one identifier: ${SUBJECT_FIELDS.join(', ')}`);
  return out;
}

/** The five subject parameters of the privacy statements, in order (null = not given). */
export function subjectParams(s: Subject): (string | null)[] {
  return SUBJECT_FIELDS.map((f) => s[f] ?? null);
}

/** Which identifiers were given (what an audit entry or a finished request may keep). */
export function subjectKinds(s: Subject): SubjectField[] {
  return SUBJECT_FIELDS.filter((f) => s[f] !== undefined);
}
