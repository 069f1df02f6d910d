// A ServerShell on this machine (bash -c), for tests that drive server-side steps without SSH.
import { spawn } from 'node:child_process';
import type { ServerShell } from '../../electron/core/ssl/enable-https.js';

export function localShell(): ServerShell {
  return {
    exec(command, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('bash', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], signal: opts.signal });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        // A command that never reads its stdin may exit before this write lands (EPIPE); that is not a failure.
        child.stdin.on('error', () => {});
        child.stdin.end(opts.stdin ?? '');
      });
    },
  };
}
