// Who is signed in, their agency and sites: read once, shared by every page.
import { createContext, useContext } from 'react';
import type { Me, Site } from './types';

export interface SessionInfo {
  me: Me;
  sites: Site[];
  canWrite: boolean;
  isAdmin: boolean;
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}
