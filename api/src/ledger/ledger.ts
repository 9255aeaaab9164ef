/**
 * Runs commands: one MySQL transaction each (STYLE.md §2). In order, inside it:
 * the idempotency record (a concurrent twin waits on its key here), the wallet row
 * lock, decide(), then lots, uses, events, outbox rows, wallet and the stored answer.
 * A refusal throws and rolls everything back: a refused command writes nothing.
 */
import type { Knex } from 'knex';
import { decide } from '../points/decide.ts';
import { DomainError } from '../points/errors.ts';
import { evolve } from '../points/evolve.ts';
import type { Command, PointEvent, Wallet } from '../points/types.ts';
import { AppError } from '../http/app-error.ts';
import { loadWallet, ownerOfGrant, ownerOfUse, saveDecision } from './wallet-repository.ts';
import { writeOutbox } from './outbox-writer.ts';

export interface Idempotency {
  /** The API key's name: keys of different clients never collide. */
  client: string;
  key: string;
  /** sha256 of the request (method, route, canonical body). */
  requestHash: string;
}

export interface CommandSpec<R> {
  idempotency: Idempotency;
  target: { userId: string } | { grantId: string } | { useId: string };
  build: (wallet: Wallet) => Command;
  respond: (events: PointEvent[], after: Wallet) => R;
}

export interface CommandResult<R> {
  status: number;
  body: R;
  replayed: boolean;
}

export interface LedgerDeps {
  db: Knex;
  schemaId: number;
  clock: () => number;
  newId: () => string;
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_DUP_ENTRY']);
const MAX_ATTEMPTS = 5;

class IdempotencyHit extends Error {}

export class Ledger {
  constructor(private readonly deps: LedgerDeps) {}

  async execute<R>(spec: CommandSpec<R>): Promise<CommandResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const body = await this.deps.db.transaction((trx) => this.attempt(trx, spec), { isolationLevel: 'read committed' });
        return { status: 201, body, replayed: false };
      } catch (e) {
        if (e instanceof IdempotencyHit) return this.replay<R>(spec.idempotency);
        const code = (e as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 2 * attempt + Math.random() * 5));
          continue;
        }
        throw e;
      }
    }
  }

  private async attempt<R>(trx: Knex.Transaction, spec: CommandSpec<R>): Promise<R> {
    const now = this.deps.clock();
    const nowDate = new Date(now);
    const { client, key, requestHash } = spec.idempotency;
    try {
      await trx('idempotency_keys').insert({ client, idem_key: key, request_hash: requestHash, status: 0, response: '', created_at: nowDate });
    } catch (e) {
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') throw new IdempotencyHit();
      throw e;
    }

    const userId = await this.resolveUser(trx, spec.target);
    const need = 'grantId' in spec.target ? { grantIds: [spec.target.grantId] } : 'useId' in spec.target ? { useIds: [spec.target.useId] } : {};
    const loaded = await loadWallet(trx, userId, need);
    const events = decide(spec.build(loaded.wallet), loaded.wallet, now, this.deps.newId);
    const after = events.reduce(evolve, loaded.wallet);
    await saveDecision(trx, loaded, after, events, nowDate);
    await writeOutbox(trx, this.deps.schemaId, events);
    const body = spec.respond(events, after);
    await trx('idempotency_keys').update({ status: 201, response: JSON.stringify(body) }).where({ client, idem_key: key });
    return body;
  }

  private async resolveUser(trx: Knex.Transaction, target: CommandSpec<unknown>['target']): Promise<string> {
    if ('userId' in target) return target.userId;
    if ('grantId' in target) {
      const owner = await ownerOfGrant(trx, target.grantId);
      if (!owner) throw new DomainError('NOT_FOUND', `grant ${target.grantId} does not exist`, { grantId: target.grantId });
      return owner;
    }
    const owner = await ownerOfUse(trx, target.useId);
    if (!owner) throw new DomainError('NOT_FOUND', `use ${target.useId} does not exist`, { useId: target.useId });
    return owner;
  }

  /** The first answer to this key, or a refusal when the key came with another request. */
  async replay<R>(idem: Idempotency): Promise<CommandResult<R>> {
    const row = await this.deps.db('idempotency_keys')
      .select('request_hash', 'status', 'response')
      .where({ client: idem.client, idem_key: idem.key })
      .first();
    if (!row || row.status === 0) {
      // The first request with this key is still running (only possible outside a transaction, e.g. the sweep).
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'a request with this Idempotency-Key is still being processed', { idempotencyKey: idem.key });
    }
    if (row.request_hash !== idem.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', { idempotencyKey: idem.key });
    }
    return { status: Number(row.status), body: JSON.parse(row.response as string) as R, replayed: true };
  }

  /** For commands that are not one transaction (the sweep): store the answer afterwards. */
  async remember(idem: Idempotency, status: number, body: unknown): Promise<CommandResult<unknown>> {
    try {
      await this.deps.db('idempotency_keys').insert({
        client: idem.client, idem_key: idem.key, request_hash: idem.requestHash,
        status, response: JSON.stringify(body), created_at: new Date(this.deps.clock()),
      });
      return { status, body, replayed: false };
    } catch (e) {
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') return this.replay(idem);
      throw e;
    }
  }

  /** Stored answer for a key, if any (checked before a sweep starts). */
  async lookup(idem: Idempotency): Promise<CommandResult<unknown> | undefined> {
    const exists = await this.deps.db('idempotency_keys').select('client').where({ client: idem.client, idem_key: idem.key }).first();
    return exists ? this.replay(idem) : undefined;
  }
}
