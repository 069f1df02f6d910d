// A terminal on a server (ssh2 shell channel in the core), drawn by xterm.js. Opened on request only.
import { CanvasAddon } from '@xterm/addon-canvas';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { closeShell, openShell, resizeShell, shellDataEvent, shellExitEvent, writeShell } from '../../../../electron/core/contracts/shell.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';

const terminalTheme = { background: '#020617', foreground: '#e2e8f0', cursor: '#38bdf8', selectionBackground: '#334155' };

export function TerminalPanel({ target }: { target: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const host = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  useEffect(() => {
    if (!open || !host.current) return;
    // screenReaderMode keeps the visible rows as text in the DOM (the canvas alone is opaque to assistive
    // technology, and to the e2e test reading a command's output).
    const term = new Terminal({ cols: 100, rows: 24, fontSize: 13, theme: terminalTheme, screenReaderMode: true });
    // xterm's default DOM renderer injects <style> elements (theme, cell size) and style="" attributes, which
    // the strict CSP (style-src 'self', no 'unsafe-inline') blocks. The canvas renderer draws cells on a
    // <canvas> instead; loaded before open(), xterm never creates the DOM renderer at all. The static
    // stylesheet (xterm.css) is bundled into the app's own CSS file.
    term.loadAddon(new CanvasAddon());
    term.open(host.current);
    let sessionId: string | null = null;
    let disposed = false;
    const offData = client.on(shellDataEvent, (e) => e.sessionId === sessionId && term.write(e.data));
    const offExit = client.on(shellExitEvent, (e) => {
      if (e.sessionId === sessionId) term.write(`\r\n[session ended${e.code === null ? '' : `, exit ${e.code}`}]\r\n`);
    });
    client
      .invoke(openShell, { target, cols: term.cols, rows: term.rows })
      .then((s) => {
        if (disposed) void client.invoke(closeShell, { sessionId: s.sessionId });
        else sessionId = s.sessionId;
      })
      .catch((err) => setError(asErrorInfo(err)));
    // Keystrokes must reach the shell in order: one write in flight at a time, the rest batched behind it
    // (separate HTTP calls would race and swap characters).
    let queued = '';
    let writing = false;
    const flush = async (): Promise<void> => {
      if (writing || !sessionId || !queued) return;
      writing = true;
      const data = queued;
      queued = '';
      await client.invoke(writeShell, { sessionId, data }).catch((err) => setError(asErrorInfo(err)));
      writing = false;
      void flush();
    };
    const input = term.onData((data) => {
      queued += data;
      void flush();
    });
    const resize = term.onResize(({ cols, rows }) => sessionId && void client.invoke(resizeShell, { sessionId, cols, rows }));
    return () => {
      disposed = true;
      offData();
      offExit();
      input.dispose();
      resize.dispose();
      if (sessionId) void client.invoke(closeShell, { sessionId });
      term.dispose();
    };
  }, [open, target, client]);

  return (
    <section className="card terminal-card" aria-label="terminal">
      <header className="card-head">
        <h3>Terminal</h3>
        <button type="button" className={open ? 'ghost' : undefined} disabled={readOnly} onClick={() => setOpen(!open)}>
          {open ? 'Close terminal' : 'Open terminal'}
        </button>
      </header>
      {error && <ErrorNotice error={error} />}
      {open ? <div ref={host} className="terminal-host" /> : <p className="muted">A shell on this server over the pinned SSH connection.</p>}
    </section>
  );
}
