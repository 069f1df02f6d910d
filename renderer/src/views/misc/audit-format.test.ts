// The audit log in words: actions as phrases, outcomes, labelled details (errors as their text, long values
// shortened), and targets by name even for a refused add that left no server behind.
import { describe, expect, it } from 'vitest';
import { actionLabel, auditOutcome, detailItems, targetText } from './audit-format.js';

const entry = (action: string, detail: Record<string, unknown>, targetId: string | null = null, targetName: string | null = null) => ({ action, detail, targetId, targetName });

describe('audit log wording', () => {
  it('says each action as a phrase, operations by kind and state, and new actions still as words', () => {
    expect(actionLabel('server.added')).toBe('Server added');
    expect(actionLabel('deploy.failed')).toBe('Deploy failed');
    expect(actionLabel('ssl.started')).toBe('HTTPS setup started');
    expect(actionLabel('gpu-image.failed')).toBe('GPU image publish failed');
    expect(actionLabel('gpu-image.published')).toBe('GPU image published');
    expect(actionLabel('vast.instance-rented')).toBe('Vast instance rented');
  });

  it('marks refused, failed and canceled attempts', () => {
    expect(auditOutcome(entry('server.add-refused', {}))).toBe('refused');
    expect(auditOutcome(entry('host-key.changed', {}))).toBe('refused');
    expect(auditOutcome(entry('provision.failed', {}))).toBe('failed');
    expect(auditOutcome(entry('rollback.canceled', {}))).toBe('canceled');
    expect(auditOutcome(entry('server.added', {}))).toBe('ok');
  });

  it('labels details, gives error codes as their text, shortens fingerprints, and leaves out what the row says', () => {
    const refused = entry('server.add-refused', { name: 'vps-1', host: '203.0.113.10', port: 22, authKind: 'key', code: 'SSH_CONNECT_FAILED', reached: false });
    expect(targetText(refused)).toEqual({ text: 'vps-1' });
    expect(detailItems(refused)).toEqual([
      { label: 'host', value: '203.0.113.10' },
      { label: 'port', value: '22' },
      { label: 'login', value: 'existing key' },
      { label: 'reason', value: 'The server cannot be reached over SSH', title: 'SSH_CONNECT_FAILED' },
      { label: 'reached', value: 'no' },
    ]);
    const pinned = entry('host-key.pinned', { fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }, '7c1d2e3f-0000-4000-8000-000000000000', 'vps-1');
    expect(detailItems(pinned)).toEqual([{ label: 'fingerprint', value: 'SHA256:abcdefgh…BCDEFG', title: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }]);
    expect(targetText(pinned)).toEqual({ text: 'vps-1', title: '7c1d2e3f-0000-4000-8000-000000000000' });
    // A target the console no longer knows by name: a short id, the whole one on hover.
    expect(targetText(entry('deploy.started', {}, '7c1d2e3f-0000-4000-8000-000000000000'))).toEqual({ text: '7c1d2e3f…', title: '7c1d2e3f-0000-4000-8000-000000000000' });
    expect(detailItems(entry('x.y', { nested: { a: 1 }, someValue: null, target: { kind: 'fleet' }, pinned: { kind: 'agent', agentId: 'vps-2' }, list: ['a', 'b'] }))).toEqual([
      { label: 'nested', value: 'a 1' },
      { label: 'some value', value: '—' },
      { label: 'on', value: 'fleet' },
      { label: 'pinned', value: 'kind agent, agentId vps-2' },
      { label: 'list', value: 'a, b' },
    ]);
  });
});
