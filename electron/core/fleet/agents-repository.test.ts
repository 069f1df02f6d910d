import { describe, expect, it } from 'vitest';
import { openConsoleStore } from '../store/console-store.js';
import { AgentsRepository } from './agents-repository.js';

describe('agents repository', () => {
  it("keeps one agent per server: registering it at a new URL (http to https) moves it, same id", () => {
    const db = openConsoleStore(':memory:');
    db.prepare("INSERT INTO servers (id, name, host, port, user, auth_kind, created_at) VALUES ('s1', 'n', 'h', 22, 'u', 'key', 't')").run();
    const agents = new AgentsRepository(db);
    const first = agents.upsert({ serverId: 's1', name: 'vps agent', baseUrl: 'http://agent.example' });
    const again = agents.upsert({ serverId: 's1', name: 'vps agent', baseUrl: 'https://agent.example' });
    expect(again.id).toBe(first.id);
    expect(agents.forServer('s1')).toEqual([expect.objectContaining({ id: first.id, baseUrl: 'https://agent.example' })]);
    db.close();
  });

  it('agents added by URL alone are told apart by URL; setBaseUrl moves one', () => {
    const db = openConsoleStore(':memory:');
    const agents = new AgentsRepository(db);
    const a = agents.upsert({ serverId: null, name: 'a', baseUrl: 'http://10.0.0.1:8600' });
    const b = agents.upsert({ serverId: null, name: 'b', baseUrl: 'http://10.0.0.2:8600' });
    expect(a.id).not.toBe(b.id);
    expect(agents.upsert({ serverId: null, name: 'a2', baseUrl: 'http://10.0.0.1:8600' }).id).toBe(a.id);
    agents.setBaseUrl(b.id, 'https://b.example');
    expect(agents.list().map((x) => x.baseUrl).sort()).toEqual(['http://10.0.0.1:8600', 'https://b.example']);
    db.close();
  });
});
