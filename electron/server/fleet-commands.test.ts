// The fleet from the command line (`npm run console -- …` as a real process), on real agent processes with the
// timing worker (a stand-in for the models): agents add/list/remove, batch with progress on stderr and results on
// stdout or --out, requests list/show, exit codes 0/1/2, a second process working on the same data directory
// at the same time without losing or repeating anything, and requests delete erasing the jobs on the agents.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimingAgent, type TimingAgent } from '../../test-harness/agent/timing-agent.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(root, 'electron/server/cli.ts');

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: { ...process.env, MEDIAFLEET_VAULT_PASSPHRASE: 'cli test passphrase', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The files of the jobs an agent holds (one page is all of this suite's). */
async function jobFilesOn(agent: TimingAgent): Promise<string[]> {
  const res = await fetch(`${agent.url}/v1/jobs?limit=200`, { headers: { authorization: `Bearer ${agent.token}` } });
  return ((await res.json()) as { jobs: { file: string }[] }).jobs.map((j) => j.file);
}

describe('the fleet from the command line', () => {
  let dir: string;
  let data: string;
  let media: string;
  let agentA: TimingAgent;
  let agentB: TimingAgent;
  let idA = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mf-cli-'));
    data = join(dir, 'data');
    media = join(dir, 'media');
    mkdirSync(media);
    for (let i = 0; i < 8; i++) writeFileSync(join(media, `clip-${i}.jpg`), `content ${i} ${'z'.repeat(2000)}`);
    [agentA, agentB] = await Promise.all([startTimingAgent({ jobMs: 50 }), startTimingAgent({ jobMs: 80 })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([agentA?.stop(), agentB?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds agents (checked first), lists them, and refuses a bad one with its code', async () => {
    const added = await runCli(['agents', 'add', '--name', 'vps-a', '--url', agentA.url, '--token', agentA.token, '--data', data, '--json']);
    expect(added.code, added.stderr).toBe(0);
    idA = (JSON.parse(added.stdout) as { id: string }).id;
    expect((await runCli(['agents', 'add', '--name', 'vps-b', '--url', agentB.url, '--token', agentB.token, '--data', data])).code).toBe(0);
    const wrong = await runCli(['agents', 'add', '--name', 'bad', '--url', agentA.url, '--token', 'mf_000000000000_nope', '--data', data, '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ error: { code: 'AGENT_TOKEN_REJECTED' } });
    const list = await runCli(['agents', 'list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/vps-a[\s\S]*vps-b/);
    expect(list.stdout).not.toContain('bad');
  });

  it('batch: progress on stderr, one JSON result per file on stdout, exit 0 when all succeeded', async () => {
    const run = await runCli(['batch', media, '--fleet', '--client', 'acme', '--no-local-agent', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/batch \S+: 8 files/);
    expect(run.stderr).toMatch(/8\/8 done, 0 failed, 0 to go/);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; state: string; client: string; result: { media: { bytes: number } } });
    expect(lines.map((l) => l.file).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `clip-${i}.jpg`));
    expect(lines.every((l) => l.state === 'done' && l.client === 'acme' && l.result.media.bytes > 2000)).toBe(true);
  });

  it('batch --agent pins every file; --out writes the results there; --json gives one document; a failure exits 1', async () => {
    writeFileSync(join(media, 'empty.jpg'), '');
    const out = join(dir, 'results.jsonl');
    const run = await runCli(['batch', join(media, 'clip-0.jpg'), join(media, 'clip-1.jpg'), join(media, 'gone.jpg'), '--agent', idA, '--out', out, '--json', '--no-local-agent', '--data', data]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { batch: { total: number; skipped: { path: string }[] }; requests: { agent: string; state: string }[] };
    expect(doc.batch.total).toBe(2);
    expect(doc.batch.skipped).toEqual([{ path: join(media, 'gone.jpg'), reason: 'no such file or folder' }]);
    expect(doc.requests.every((r) => r.agent === 'vps-a' && r.state === 'done')).toBe(true);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    // An empty file fails for its own reason: once, with its code, and the exit code says a file failed.
    const failing = await runCli(['batch', join(media, 'empty.jpg'), join(media, 'clip-2.jpg'), '--json', '--no-local-agent', '--data', data]);
    expect(failing.code).toBe(1);
    const failed = (JSON.parse(failing.stdout) as { requests: { file: string; state: string; error: { code: string } | null }[] }).requests.find((r) => r.file.endsWith('empty.jpg'))!;
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'EMPTY_FILE' } });
    expect(failing.stderr).toMatch(/failed .*empty\.jpg: EMPTY_FILE/);
    rmSync(join(media, 'empty.jpg'));
  });

  it('a usage error exits 2 and says what is wrong', async () => {
    const bad = await runCli(['batch', media, '--analyses', 'nsfw,teleport', '--data', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown analysis teleport/);
    expect((await runCli(['batch', media, '--fleet', '--agent', idA, '--data', data])).code).toBe(2);
    expect((await runCli(['requests', 'list', '--state', 'sleeping', '--data', data])).code).toBe(2);
  });

  it('requests list and show read the same store; two batches from two processes at once lose and repeat nothing', async () => {
    const list = await runCli(['requests', 'list', '--client', 'acme', '--json', '--data', data]);
    const rows = JSON.parse(list.stdout) as { requestId: string; state: string }[];
    expect(rows).toHaveLength(8);
    const show = await runCli(['requests', 'show', rows[0]!.requestId, '--data', data, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ state: 'done', history: [expect.objectContaining({ outcome: 'done' })], result: { media: expect.any(Object) } });
    for (let i = 0; i < 10; i++) writeFileSync(join(media, `more-${i}.jpg`), `more ${i} ${'m'.repeat(3000)}`);
    const [one, two] = await Promise.all([
      runCli(['batch', ...Array.from({ length: 5 }, (_, i) => join(media, `more-${i}.jpg`)), '--no-local-agent', '--json', '--data', data]),
      runCli(['batch', ...Array.from({ length: 5 }, (_, i) => join(media, `more-${i + 5}.jpg`)), '--no-local-agent', '--json', '--data', data]),
    ]);
    expect([one.code, two.code], `${one.stderr}\n${two.stderr}`).toEqual([0, 0]);
    const all = JSON.parse((await runCli(['requests', 'list', '--json', '--limit', '1000', '--data', data])).stdout) as { fileName: string; state: string }[];
    const more = all.filter((r) => r.fileName.startsWith('more-'));
    expect(more).toHaveLength(10);
    expect(more.every((r) => r.state === 'done')).toBe(true);
  });

  it('requests delete: erases the jobs on the agents, keeps them with --keep-on-agents, queues what a down agent cannot take; usage errors exit 2', async () => {
    const none = await runCli(['requests', 'delete', '--data', data]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/request ids, --batch ID or --client NAME \(one of them\)/);
    expect((await runCli(['requests', 'delete', 'some-id', '--client', 'acme', '--data', data])).code).toBe(2);
    const typo = await runCli(['requests', 'delete', 'no-such-request', '--json', '--data', data]);
    expect(typo.code).toBe(1);
    expect(JSON.parse(typo.stdout)).toMatchObject({ error: { code: 'REQUEST_NOT_FOUND', message: expect.stringMatching(/nothing was deleted/) } });

    const all = JSON.parse((await runCli(['requests', 'list', '--json', '--limit', '1000', '--data', data])).stdout) as { requestId: string; batchId: string; fileName: string; clientLabel: string | null; agentName: string }[];
    const acme = all.filter((r) => r.clientLabel === 'acme');
    expect(acme).toHaveLength(8);
    const agentOf = (name: string): TimingAgent => (name === 'vps-a' ? agentA : agentB);

    // One request by id: its job is gone from the agent that ran it.
    const first = JSON.parse((await runCli(['requests', 'show', acme[0]!.requestId, '--json', '--data', data])).stdout) as { history: { agentName: string; agentJobId: string }[] };
    const { agentName, agentJobId } = first.history.at(-1)!;
    const byId = await runCli(['requests', 'delete', acme[0]!.requestId, '--json', '--no-local-agent', '--data', data]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toEqual({ deleted: 1, erasure: { erased: 1, pending: 0, failed: 0 } });
    const gone = await fetch(`${agentOf(agentName).url}/v1/jobs/${agentJobId}`, { headers: { authorization: `Bearer ${agentOf(agentName).token}` } });
    expect(gone.status).toBe(404);

    // A batch with --keep-on-agents: gone from the console, still on the agents.
    const kept = all.find((r) => r.fileName === 'more-0.jpg')!;
    const keptFiles = all.filter((r) => r.batchId === kept.batchId).map((r) => r.fileName);
    expect(keptFiles).toHaveLength(5);
    const keep = await runCli(['requests', 'delete', '--batch', kept.batchId, '--keep-on-agents', '--no-local-agent', '--data', data]);
    expect(keep.code, keep.stderr).toBe(0);
    expect(keep.stdout).toMatch(new RegExp(`deleted 5 requests of batch ${kept.batchId}\non the agents: kept`));
    const held = [...(await jobFilesOn(agentA)), ...(await jobFilesOn(agentB))];
    expect(keptFiles.every((f) => held.includes(f))).toBe(true);

    // A client's requests while one agent is down: erased where the agent answers, queued for the one that does not.
    await agentB.kill();
    const rest = acme.slice(1);
    const onB = rest.filter((r) => r.agentName === 'vps-b').length;
    const byClient = await runCli(['requests', 'delete', '--client', 'acme', '--no-local-agent', '--data', data]);
    expect(byClient.code, byClient.stderr).toBe(0);
    expect(byClient.stdout).toContain(`deleted 7 requests of client acme\non the agents: ${7 - onB} erased, ${onB} pending`);
    if (onB) expect(byClient.stdout).toMatch(/pending erasures stay queued/);
    const queued = JSON.parse((await runCli(['requests', 'erasures', '--state', 'pending', '--json', '--data', data])).stdout) as { agentName: string; lastError: { code: string } | null }[];
    expect(queued).toHaveLength(onB);
    expect(queued.every((e) => e.agentName === 'vps-b' && e.lastError?.code === 'AGENT_UNREACHABLE')).toBe(true);
  });
});
