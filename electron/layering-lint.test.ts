// The layering rules of eslint.config.js, each shown to fail on a deliberate violation (linted as if the code
// were in the file named), and to pass the same import where the layer allows it.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const violations: Array<{ rule: string; file: string; code: string; says: RegExp }> = [
  { rule: 'the core does not import electron', file: 'electron/core/fleet/x.ts', code: "import { app } from 'electron';", says: /runs without Electron/ },
  { rule: 'the core does not import the shells', file: 'electron/core/fleet/x.ts', code: "import { createConsoleServer } from '../../server/console-server.js';", says: /never imports the shells/ },
  { rule: 'the core does not import the renderer', file: 'electron/core/fleet/x.ts', code: "import { App } from '../../../renderer/src/App.js';", says: /never imports the renderer/ },
  { rule: 'the renderer reaches the core only through the contracts', file: 'renderer/src/views/x.tsx', code: "import { FleetService } from '../../../electron/core/fleet/fleet-service.js';", says: /only through the contracts/ },
  { rule: 'the renderer does not import the shells', file: 'renderer/src/views/x.tsx', code: "import { bindConsoleIpc } from '../../../electron/main/ipc-binding.js';", says: /never imports the shells/ },
  { rule: "the renderer uses the agent's contracts only", file: 'renderer/src/views/x.tsx', code: "import { JobQueue } from '#agent/jobs/job-queue.js';", says: /agent's contracts/ },
  { rule: 'production code does not import the test harness', file: 'electron/core/fleet/x.ts', code: "import { openTestCore } from '../../../test-harness/console/test-core.js';", says: /never imports the test harness/ },
  { rule: 'the agent does not import the harness either', file: 'agent/src/jobs/x.ts', code: "import { sleepWorkerUrl } from '../../../test-harness/agent/test-agent.js';", says: /never imports the test harness/ },
  { rule: 'the agent does not import the console', file: 'agent/src/jobs/x.ts', code: "import { ConsoleError } from '../../../electron/core/contracts/define.js';", says: /never imports the console/ },
  { rule: 'the console imports the agent through the alias', file: 'electron/core/fleet/x.ts', code: "import { JobView } from '../../../agent/src/contracts/http-v1.js';", says: /#agent\/\* alias/ },
];

describe('layering rules', () => {
  for (const v of violations) {
    it(`fails: ${v.rule}`, async () => {
      const messages = await restrictedImports(v.file, `${v.code}\nexport const used = [${v.code.match(/\{ (\w+) \}/)![1]}];\n`);
      expect(messages).toEqual([expect.stringMatching(v.says)]);
    });
  }

  it('allows what the layers may do', async () => {
    expect(await restrictedImports('renderer/src/views/x.tsx', "import { listServers } from '../../../electron/core/contracts/servers.js';\nimport { JobView } from '#agent/contracts/http-v1.js';\nexport const used = [listServers, JobView];\n")).toEqual([]);
    expect(await restrictedImports('electron/core/fleet/x.test.ts', "import { openTestCore } from '../../../test-harness/console/test-core.js';\nexport const used = [openTestCore];\n")).toEqual([]);
    expect(await restrictedImports('electron/main/x.ts', "import { app } from 'electron';\nimport { createConsoleCore } from '../core/console-core.js';\nexport const used = [app, createConsoleCore];\n")).toEqual([]);
    expect(await restrictedImports('electron/core/fleet/x.ts', "import { JobView } from '#agent/contracts/http-v1.js';\nexport const used = [JobView];\n")).toEqual([]);
  });
});
