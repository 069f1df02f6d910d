// The terminals contract on the shell service (output goes out as 'shell:data' / 'shell:exit' events).
import { closeShell, openShell, resizeShell, writeShell } from '../../contracts/shell.js';
import type { MethodRegistry } from '../../registry/method-registry.js';
import type { ShellService } from './shell-service.js';

export function registerShellMethods(registry: MethodRegistry, deps: { shells: ShellService }): void {
  const { shells } = deps;
  registry.implement(openShell, ({ target, cols, rows }) => shells.open(target, cols, rows));
  registry.implement(writeShell, ({ sessionId, data }) => {
    shells.write(sessionId, data);
    return { ok: true };
  });
  registry.implement(resizeShell, ({ sessionId, cols, rows }) => {
    shells.resize(sessionId, cols, rows);
    return { ok: true };
  });
  registry.implement(closeShell, ({ sessionId }) => ({ ok: shells.close(sessionId) }));
}
