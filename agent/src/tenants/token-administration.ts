// Who may manage which tokens. A tenant's admin token sees and manages its own tenant's tokens only (never an
// all-tenants token, even one whose home tenant is its own); an all-tenants token manages every tenant's; the
// operator (CLI on the agent's machine, MEDIAFLEET_ADMIN_TOKEN at start) may also make all-tenants tokens, which the
// API never does. Every creation and revocation is written to the audit log with who did it.
import { AgentError } from '../errors.js';
import type { AuditActor, AuditRepository } from '../store/audit-repository.js';
import type { TokenRecord, TokenScope, TokensRepository } from '../store/tokens-repository.js';

/** Who asks: a token presented to the API, or the operator. */
export type TokenAdminCaller = { kind: 'token'; token: TokenRecord } | { kind: 'operator'; via: string };

export const actorOf = (caller: TokenAdminCaller): AuditActor =>
  caller.kind === 'token' ? { kind: 'token', id: caller.token.id, tenant: caller.token.tenant } : caller;

/** Whether the caller may act on `tenant`'s tokens and data. */
export function managesTenant(caller: TokenAdminCaller, tenant: string): boolean {
  if (caller.kind === 'operator') return true;
  if (caller.token.scope === 'all-tenants') return true;
  return caller.token.scope === 'admin' && caller.token.tenant === tenant;
}

function canSee(caller: TokenAdminCaller, token: TokenRecord): boolean {
  if (caller.kind === 'operator' || caller.token.scope === 'all-tenants') return true;
  return managesTenant(caller, token.tenant) && token.scope !== 'all-tenants';
}

export class TokenAdministration {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly audit: AuditRepository,
  ) {}

  create(caller: TokenAdminCaller, input: { scope: TokenScope; tenant: string; label?: string }): { token: string; record: TokenRecord } {
    if (input.scope === 'all-tenants' && caller.kind !== 'operator') {
      throw new AgentError('FORBIDDEN', "an all-tenants token can only be made by the agent's operator: `mediafleet-agent token create --scope all-tenants` on the agent's machine");
    }
    if (!managesTenant(caller, input.tenant)) {
      const own = caller.kind === 'token' ? caller.token.tenant : '';
      throw new AgentError('FORBIDDEN', `this token manages tenant "${own}" only; tokens of other tenants are made with an all-tenants token`);
    }
    const created = this.tokens.create(input);
    this.audit.record({
      action: 'token.created',
      tenant: created.record.tenant,
      actor: actorOf(caller),
      target: created.record.id,
      detail: { scope: created.record.scope, label: created.record.label },
    });
    return created;
  }

  /** MEDIAFLEET_ADMIN_TOKEN at start: registered (idempotently) with the all-tenants scope, audited once. */
  importOperatorToken(token: string, tenant: string, via = 'MEDIAFLEET_ADMIN_TOKEN'): TokenRecord {
    const id = /^mf_([a-z0-9]{12})_/.exec(token)?.[1];
    const before = id ? this.tokens.get(id) : undefined;
    const record = this.tokens.importToken(token, { scope: 'all-tenants', tenant, label: via });
    if (!before || before.scope !== record.scope) {
      this.audit.record({ action: 'token.created', tenant, actor: { kind: 'operator', via }, target: record.id, detail: { scope: record.scope, label: record.label } });
    }
    return record;
  }

  list(caller: TokenAdminCaller): TokenRecord[] {
    const all = caller.kind === 'token' && caller.token.scope !== 'all-tenants' ? this.tokens.list(caller.token.tenant) : this.tokens.list();
    return all.filter((t) => canSee(caller, t));
  }

  /**
   * Revokes a token (again is harmless: `changed` false). Another tenant's token, or one the caller may not see,
   * reads as missing, as jobs do.
   */
  revoke(caller: TokenAdminCaller, id: string): { record: TokenRecord; changed: boolean } {
    const existing = this.tokens.get(id);
    if (!existing || !canSee(caller, existing)) throw new AgentError('NOT_FOUND', `no token ${id}`);
    const changed = this.tokens.revoke(existing.id);
    if (changed) {
      this.audit.record({ action: 'token.revoked', tenant: existing.tenant, actor: actorOf(caller), target: existing.id, detail: { scope: existing.scope, label: existing.label } });
    }
    return { record: this.tokens.get(existing.id)!, changed };
  }
}
