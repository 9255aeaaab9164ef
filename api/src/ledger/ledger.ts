/**
 * Runs commands: one MySQL transaction each (STYLE.md §2). In order, inside it:
 * the idempotency record (a concurrent twin waits on its key here), the wallet row
 * lock, decide(), then wallet, lots, uses, events, outbox rows and the stored answer.
 * A refusal throws and rolls everything back: a refused command writes nothing.
 */
import type { Knex } from 'knex';
import { decide } from '../points/decide.ts';
import { DomainError } from '../points/errors.ts';
import { evolve } from '../points/evolve.ts';
import type { Command, PointEvent, Wallet } from '../points/types.ts';
import { LedgerError } from './ledger-error.ts';
import { CommandTx, rows } from './command-tx.ts';
import { decisionWrites, ownerOfGrantSql, ownerOfUseSql, parseWallet, walletReads, type WalletNeeds } from './wallet-repository.ts';
import { retry } from '../../../common/src/retry.ts';

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

/** The owner from the result of ownerOf*Sql, or NOT_FOUND. */
function ownerFound(target: { grantId: string } | { useId: string }, result: unknown): string {
  const owner = rows<{ user_id: string }>(result)[0]?.user_id;
  if (owner) return owner;
  if ('grantId' in target) throw new DomainError('NOT_FOUND', `grant ${target.grantId} does not exist`, { grantId: target.grantId });
  throw new DomainError('NOT_FOUND', `use ${target.useId} does not exist`, { useId: target.useId });
}

export class Ledger {
  constructor(private readonly deps: LedgerDeps) {}

  async execute<R>(spec: CommandSpec<R>): Promise<CommandResult<R>> {
    try {
      const body = await retry(() => CommandTx.run(this.deps.db, (tx) => this.attempt(tx, spec)), {
        retries: MAX_ATTEMPTS - 1, initialMs: 3, maxMs: 20,
        shouldRetry: (e) => RETRYABLE.has((e as { code?: string }).code ?? ''),
      });
      return { status: 201, body, replayed: false };
    } catch (e) {
      if (e instanceof IdempotencyHit) return this.replay<R>(spec.idempotency);
      throw e;
    }
  }

  /**
   * Two round trips (ADR 0007): the idempotency record and the locked reads, then,
   * after decide(), every write and COMMIT. A cancel or a revoke looks up the owner of
   * its use or grant in between (three). A refusal throws and CommandTx rolls back.
   */
  private async attempt<R>(tx: CommandTx, spec: CommandSpec<R>): Promise<R> {
    const { format: f } = tx;
    const now = this.deps.clock();
    const nowDate = new Date(now);
    const { client, key, requestHash } = spec.idempotency;
    const { target } = spec;
    const need: WalletNeeds = 'grantId' in target ? { grantIds: [target.grantId] } : 'useId' in target ? { useIds: [target.useId] } : {};
    const record = f("INSERT INTO idempotency_keys (client, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, 0, '', ?)",
      [client, key, requestHash, nowDate]);
    let userId: string;
    let reads: unknown[];
    try {
      if ('userId' in target) {
        userId = target.userId;
        reads = (await tx.begin([record, ...walletReads(f, userId, need)])).slice(1);
      } else {
        const [, owner] = await tx.begin([record, 'grantId' in target ? ownerOfGrantSql(f, target.grantId) : ownerOfUseSql(f, target.useId)]);
        userId = ownerFound(target, owner);
        reads = await tx.send(walletReads(f, userId, need));
      }
    } catch (e) {
      // Only the first statement can be a duplicate: the key was seen before.
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') throw new IdempotencyHit();
      throw e;
    }
    const loaded = parseWallet(userId, need, reads);
    const events = decide(spec.build(loaded.wallet), loaded.wallet, now, this.deps.newId);
    const after = events.reduce(evolve, loaded.wallet);
    const body = spec.respond(events, after);
    await tx.commit([
      ...decisionWrites(f, this.deps.schemaId, loaded, after, events, nowDate),
      f('UPDATE idempotency_keys SET status = 201, response = ? WHERE client = ? AND idem_key = ?', [JSON.stringify(body), client, key]),
    ]);
    return body;
  }

  /** The first answer to this key, or a refusal when the key came with another request. */
  async replay<R>(idem: Idempotency): Promise<CommandResult<R>> {
    const row = await this.deps.db('idempotency_keys')
      .select('request_hash', 'status', 'response')
      .where({ client: idem.client, idem_key: idem.key })
      .first();
    if (!row || row.status === 0) {
      // The first request with this key is still running (only possible outside a transaction, e.g. the sweep).
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'a request with this Idempotency-Key is still being processed', { idempotencyKey: idem.key });
    }
    if (row.request_hash !== idem.requestHash) {
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', { idempotencyKey: idem.key });
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
