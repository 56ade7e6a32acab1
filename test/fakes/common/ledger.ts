/** Every request a fake saw, and every state change it made, so tests can assert exactly-once effects. */

export interface LedgerRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: string;
  /** HTTP status sent; null when the request never got an answer (timeout fault, socket destroyed). */
  status: number | null;
  /** Fault injected into this request, if any. */
  fault?: string;
  /** Credential the request presented (token/API key), for per-credential assertions. */
  credential?: string;
  durationMs?: number;
}

export type EffectKind = 'create' | 'update' | 'cancel' | 'delete' | 'duplicate_rejected' | 'ack';

export interface LedgerEffect {
  seq: number;
  at: string;
  kind: EffectKind;
  /** Resource type, e.g. 'order', 'product', 'companies', 'Account'. */
  resource: string;
  /** Business key: reference_id, SKU, unique property value, external id value. */
  key: string;
  /** The vendor's id of the record. */
  id?: string;
  requestSeq?: number;
}

export class Ledger {
  readonly requests: LedgerRequest[] = [];
  readonly effects: LedgerEffect[] = [];
  private seq = 0;

  startRequest(method: string, path: string, query: string): LedgerRequest {
    const entry: LedgerRequest = { seq: ++this.seq, at: new Date().toISOString(), method, path, query, status: null };
    this.requests.push(entry);
    return entry;
  }

  effect(kind: EffectKind, resource: string, key: string, id?: string, requestSeq?: number): void {
    const e: LedgerEffect = { seq: ++this.seq, at: new Date().toISOString(), kind, resource, key };
    if (id !== undefined) e.id = id;
    if (requestSeq !== undefined) e.requestSeq = requestSeq;
    this.effects.push(e);
  }

  private countEffects(kind: EffectKind, key: string, resource?: string): number {
    return this.effects.filter((e) => e.kind === kind && e.key === key && (resource === undefined || e.resource === resource)).length;
  }

  /** Number of records created for a business key (e.g. reference_id); exactly-once means 1. */
  createsFor(key: string, resource?: string): number {
    return this.countEffects('create', key, resource);
  }
  updatesFor(key: string, resource?: string): number {
    return this.countEffects('update', key, resource);
  }
  cancelsFor(key: string, resource?: string): number {
    return this.countEffects('cancel', key, resource);
  }
  /** Create attempts the fake refused because the key already existed. */
  duplicatesRejectedFor(key: string, resource?: string): number {
    return this.countEffects('duplicate_rejected', key, resource);
  }
  effectsFor(key: string, resource?: string): LedgerEffect[] {
    return this.effects.filter((e) => e.key === key && (resource === undefined || e.resource === resource));
  }

  /** Requests whose method matches and whose path matches a string prefix or a RegExp. */
  requestsTo(method: string | undefined, path: string | RegExp): LedgerRequest[] {
    return this.requests.filter(
      (r) =>
        (method === undefined || r.method === method.toUpperCase()) &&
        (typeof path === 'string' ? r.path === path || r.path.startsWith(path.endsWith('/') ? path : `${path}/`) : path.test(r.path)),
    );
  }
  count(method: string | undefined, path: string | RegExp): number {
    return this.requestsTo(method, path).length;
  }
  statuses(): Array<number | null> {
    return this.requests.map((r) => r.status);
  }

  snapshot(): { requests: LedgerRequest[]; effects: LedgerEffect[] } {
    return { requests: [...this.requests], effects: [...this.effects] };
  }

  reset(): void {
    this.requests.length = 0;
    this.effects.length = 0;
  }
}
