// Makes the one ConsoleClient available to every view.
import { createContext, useContext, type ReactNode } from 'react';
import type { ConsoleClient } from './client.js';

const ConsoleContext = createContext<ConsoleClient | null>(null);

export function ConsoleProvider({ client, children }: { client: ConsoleClient; children: ReactNode }) {
  return <ConsoleContext.Provider value={client}>{children}</ConsoleContext.Provider>;
}

export function useConsole(): ConsoleClient {
  const client = useContext(ConsoleContext);
  if (!client) throw new Error('useConsole outside ConsoleProvider');
  return client;
}

/** True when this console may not change anything (headless --read-only). */
export function useReadOnly(): boolean {
  return useConsole().readOnly;
}
