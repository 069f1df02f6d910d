// Renderer entry: connect to the console (preload IPC or headless HTTP), then mount the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectConsole } from './api/client.js';
import { ConsoleProvider } from './api/console-context.js';
import { App } from './App.js';
import { ErrorNotice, asErrorInfo } from './components/common.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

connectConsole()
  .then((client) =>
    root.render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <ConsoleProvider client={client}>
            <App />
          </ConsoleProvider>
        </QueryClientProvider>
      </StrictMode>,
    ),
  )
  .catch((err) =>
    root.render(
      <div className="boot-error">
        <h1>Mediafleet cannot reach its console</h1>
        <ErrorNotice error={asErrorInfo(err)} onRetry={() => location.reload()} />
      </div>,
    ),
  );
