// Test helper for the views' component tests: renders a view as the app does, inside react-query (no retries,
// so an error shows at once) and a console client over the given transport (usually contractFakeTransport).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ConsoleClient } from '../../renderer/src/api/client.js';
import { ConsoleProvider } from '../../renderer/src/api/console-context.js';
import type { ConsoleTransport } from '../../renderer/src/api/transport.js';

export function renderWithConsole(node: ReactNode, transport: ConsoleTransport) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ConsoleProvider client={new ConsoleClient(transport)}>{node}</ConsoleProvider>
    </QueryClientProvider>,
  );
}
