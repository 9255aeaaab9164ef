/**
 * Runs commands: one MySQL transaction each (STYLE.md §2), on the shard of the
 * command's user (ADR 0011). In order, inside it: the idempotency record (a concurrent
 * twin waits on its key here), the wallet row lock, decide(), then wallet, lots, uses,
 * events, outbox rows and the stored answer. A refusal throws and rolls everything
 * back: a refused command writes nothing.
 *
 * With more than one shard, the key is first claimed on its own shard (claims.ts), so
 * that it keeps one meaning whichever user or shard a later request names.
 */
import type { Knex } from 'knex';
import type { Shards } from '../../../common/src/mysql.ts';
import { decide } from '../points/decide.ts';
import { DomainError } from '../points/errors.ts';
import { evolve } from '../points/evolve.ts';
import type { Command, PointEvent, Wallet } from '../points/types.ts';
import { LedgerError } from './ledger-error.ts';
import { CommandTx, rows, type Format } from './command-tx.ts';
import {
  currentEncoder,
  decisionWrites,
  type EventEncoder,
  ownerOfGrantSql,
  ownerOfHoldSql,
  ownerOfUseSql,
  parseWallet,
  walletReads,
  type WalletNeeds,
} from './wallet-repository.ts';
import { retry } from '../../../common/src/retry.ts';
import { IdempotencyClaims, isRefusal, type Idempotency } from './claims.ts';

export type { Idempotency } from './claims.ts';

export interface CommandSpec<R> {
  idempotency: Idempotency;
  target: { userId: string } | IdTarget;
  build: (wallet: Wallet) => Command;
  respond: (events: PointEvent[], after: Wallet) => R;
}

/** A command addressed by the id of a grant, a use or a hold: its owner is looked up on the shard the id names. */
export type IdTarget = { grantId: string } | { useId: string } | { holdId: string };

export interface CommandResult<R> {
  status: number;
  body: R;
  replayed: boolean;
}

export interface LedgerDeps {
  shards: Shards;
  schemaId: number;
  clock: () => number;
  /**
   * How events go into the outbox; by default the current schema under schemaId. Tests
   * give an older version's encoder to write the events an older API wrote.
   */
  encodeEvent?: EventEncoder;
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_DUP_ENTRY']);
const MAX_ATTEMPTS = 5;

class IdempotencyHit extends Error {}

/** The owner from the result of ownerOf*Sql, or NOT_FOUND. */
function ownerFound(target: IdTarget, result: unknown): string {
  const owner = rows<{ user_id: string }>(result)[0]?.user_id;
  if (owner) return owner;
  throw notFound(target);
}

function notFound(target: IdTarget): DomainError {
  if ('grantId' in target) return new DomainError('NOT_FOUND', `grant ${target.grantId} does not exist`, { grantId: target.grantId });
  if ('holdId' in target) return new DomainError('NOT_FOUND', `hold ${target.holdId} does not exist`, { holdId: target.holdId });
  return new DomainError('NOT_FOUND', `use ${target.useId} does not exist`, { useId: target.useId });
}

/** The id a target names. */
const idOf = (target: IdTarget) => ('grantId' in target ? target.grantId : 'holdId' in target ? target.holdId : target.useId);

/** What the wallet must load for a command's target besides the open lots and active holds. */
function needsOf(target: CommandSpec<unknown>['target']): WalletNeeds {
  if ('grantId' in target) return { grantIds: [target.grantId] };
  if ('useId' in target) return { useIds: [target.useId] };
  if ('holdId' in target) return { holdIds: [target.holdId] };
  return {};
}

/** The SQL that finds the owner of a target's id. */
function ownerSql(f: Format, target: IdTarget): string {
  if ('grantId' in target) return ownerOfGrantSql(f, target.grantId);
  if ('holdId' in target) return ownerOfHoldSql(f, target.holdId);
  return ownerOfUseSql(f, target.useId);
}

/** The shard of a command's target: its user's, or the one its grant or use id names. */
function targetShard(shards: Shards, target: CommandSpec<unknown>['target']): number {
  if ('userId' in target) return shards.ofUser(target.userId);
  const shard = shards.ofId(idOf(target));
  if (shard === undefined) throw notFound(target); // an id that names no shard: nothing asked
  return shard;
}

export class Ledger {
  private readonly claims: IdempotencyClaims;

  private readonly encode: EventEncoder;

  constructor(private readonly deps: LedgerDeps) {
    this.encode = deps.encodeEvent ?? currentEncoder(deps.schemaId);
    this.claims = new IdempotencyClaims(deps.shards, deps.clock);
  }

  get shards(): Shards {
    return this.deps.shards;
  }

  /** Told when a key's claim could not be written or settled (its shard did not answer). */
  onClaimSkipped(listener: (shard: number, key: string, error: unknown) => void): void {
    this.claims.onSkip = (shard, idem, error) => listener(shard, idem.key, error);
  }

  /** Claims skipped so far (a metric). */
  get claimsSkipped(): number {
    return this.claims.skipped;
  }

  async execute<R>(spec: CommandSpec<R>): Promise<CommandResult<R>> {
    const db = this.deps.shards.db(targetShard(this.deps.shards, spec.target));
    const claim = await this.claims.claim(spec.idempotency);
    try {
      const result = await this.run(db, spec);
      if (!result.replayed) await claim.confirm();
      return result;
    } catch (e) {
      if (isRefusal(e)) await claim.release();
      throw e;
    }
  }

  private async run<R>(db: Knex, spec: CommandSpec<R>): Promise<CommandResult<R>> {
    try {
      const body = await retry(() => CommandTx.run(db, (tx) => this.attempt(tx, spec)), {
        retries: MAX_ATTEMPTS - 1,
        initialMs: 3,
        maxMs: 20,
        shouldRetry: (e) => RETRYABLE.has((e as { code?: string }).code ?? ''),
      });
      return { status: 201, body, replayed: false };
    } catch (e) {
      if (e instanceof IdempotencyHit) return this.replay<R>(db, spec.idempotency);
      throw e;
    }
  }

  /**
   * Two round trips (ADR 0007): the idempotency record and the locked reads, then,
   * after decide(), every write and COMMIT. A command addressed by a grant, use or hold
   * id looks up its owner in between (three). A refusal throws and CommandTx rolls back.
   */
  private async attempt<R>(tx: CommandTx, spec: CommandSpec<R>): Promise<R> {
    const { format: f } = tx;
    const now = this.deps.clock();
    const nowDate = new Date(now);
    const { client, key, requestHash } = spec.idempotency;
    const { target } = spec;
    const need = needsOf(target);
    const record = f("INSERT INTO idempotency_keys (client, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, 0, '', ?)", [
      client,
      key,
      requestHash,
      nowDate,
    ]);
    let userId: string;
    let reads: unknown[];
    try {
      if ('userId' in target) {
        userId = target.userId;
        reads = (await tx.begin([record, ...walletReads(f, userId, need)])).slice(1);
      } else {
        const [, owner] = await tx.begin([record, ownerSql(f, target)]);
        userId = ownerFound(target, owner);
        reads = await tx.send(walletReads(f, userId, need));
      }
    } catch (e) {
      // Only the first statement can be a duplicate: the key was seen before.
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') throw new IdempotencyHit();
      throw e;
    }
    const loaded = parseWallet(userId, need, reads);
    const events = decide(spec.build(loaded.wallet), loaded.wallet, now, () => this.deps.shards.newIdFor({ userId }));
    const after = events.reduce(evolve, loaded.wallet);
    const body = spec.respond(events, after);
    await tx.commit([
      ...decisionWrites(f, this.encode, loaded, after, events, nowDate),
      f('UPDATE idempotency_keys SET status = 201, response = ? WHERE client = ? AND idem_key = ?', [JSON.stringify(body), client, key]),
    ]);
    return body;
  }

  /** The first answer to this key on this shard, or a refusal when the key came with another request. */
  private async replay<R>(db: Knex, idem: Idempotency): Promise<CommandResult<R>> {
    const row = await db('idempotency_keys').select('request_hash', 'status', 'response').where({ client: idem.client, idem_key: idem.key }).first();
    if (!row || row.status === 0) {
      // The first request with this key is still running (only possible outside a transaction, e.g. the sweep).
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'a request with this Idempotency-Key is still being processed', { idempotencyKey: idem.key });
    }
    if (row.request_hash !== idem.requestHash) {
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', { idempotencyKey: idem.key });
    }
    return { status: Number(row.status), body: JSON.parse(row.response as string) as R, replayed: true };
  }

  /**
   * For commands that are not one transaction and name no user (the maintenance run):
   * store the answer afterwards, on the key's own shard.
   */
  async remember(idem: Idempotency, status: number, body: unknown): Promise<CommandResult<unknown>> {
    const db = this.deps.shards.db(this.deps.shards.ofKey(idem.client, idem.key));
    try {
      await db('idempotency_keys').insert({
        client: idem.client,
        idem_key: idem.key,
        request_hash: idem.requestHash,
        status,
        response: JSON.stringify(body),
        created_at: new Date(this.deps.clock()),
      });
      return { status, body, replayed: false };
    } catch (e) {
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY') return this.replay(db, idem);
      throw e;
    }
  }

  /**
   * Stored answer for a key, if any (checked before a maintenance run starts). With more
   * than one shard the key is claimed first: a key used before for another request, on
   * any shard, is refused.
   */
  async lookup(idem: Idempotency): Promise<CommandResult<unknown> | undefined> {
    await (await this.claims.claim(idem)).confirm();
    const db = this.deps.shards.db(this.deps.shards.ofKey(idem.client, idem.key));
    const exists = await db('idempotency_keys').select('client').where({ client: idem.client, idem_key: idem.key }).first();
    return exists ? this.replay(db, idem) : undefined;
  }
}
