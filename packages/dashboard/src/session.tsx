// Who is signed in, their agency and sites: read once, shared by every page.
import { createContext, useContext } from 'react';
import type { Me, Site } from './types';

export interface SessionInfo {
  me: Me;
  sites: Site[];
  canWrite: boolean;
  isAdmin: boolean;
}

/** Whose preferences these are (the last site): the user, or the agency for an API key. */
export const userKey = (s: SessionInfo) => s.me.user?.id ?? `agency-${s.me.agency.id}`;

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}

/** The timezone every time on the page is shown in: the site's (else UTC). Layout provides it. */
export const ZoneContext = createContext<string>('UTC');
export const useZone = () => useContext(ZoneContext);
