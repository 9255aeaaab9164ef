/**
 * Idempotency keys across shards (ADR 0011). A command's answer is stored with its
 * user's rows, in the command's own transaction (idempotency_keys on the user's shard).
 * That alone would let the same key run again with another body for a user on another
 * shard. So, with more than one shard, the key is first claimed on the key's own shard
 * (shardOfKey: client and key, not the user) with the request's hash:
 *
 *   - no claim yet: claimed; confirmed once the command commits, released when the
 *     command is refused (a refused command leaves nothing behind);
 *   - a claim with the same hash: a retry, or a twin running now; the command goes on
 *     and its user's shard replays or runs it;
 *   - a claim with another hash: 422 IDEMPOTENCY_KEY_REUSED, whatever user it names.
 *
 * When the key's shard does not answer, the command goes on without a claim (the other
 * shard's users keep working while one shard is down) and the skip is logged and
 * counted: for that window a key reused for another user on another shard is not caught.
 * With one shard, nothing here runs: idempotency_keys is the whole story, as before.
 */
import type { Shards } from '../../../common/src/mysql.ts';
import { DomainError } from '../points/errors.ts';
import { LedgerError } from './ledger-error.ts';

export interface Idempotency {
  /** The API key's name: keys of different clients never collide. */
  client: string;
  key: string;
  /** sha256 of the request (method, route, canonical body). */
  requestHash: string;
}

export interface Claim {
  /** The command committed: the claim stays for good (until the retention purge). */
  confirm(): Promise<void>;
  /** The command was refused: a claim this request made goes again. */
  release(): Promise<void>;
}

const NOTHING: Claim = { confirm: async () => undefined, release: async () => undefined };

/** No connection to the database was made: the command never started (503, nothing written). */
const NEVER_CONNECTED = /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|Timeout acquiring a connection/;

/**
 * Errors after which the command surely wrote nothing: a domain rule's or the ledger's
 * own refusal, or a shard that could not be reached at all. (A connection lost in the
 * middle leaves the outcome open: the claim then stays, and a retry with the same body
 * finds its answer.)
 */
export const isRefusal = (e: unknown) => {
  if (e instanceof DomainError || e instanceof LedgerError) return true;
  const err = e as { code?: string; message?: string };
  return NEVER_CONNECTED.test(err.code ?? '') || NEVER_CONNECTED.test(err.message ?? '');
};

const isDuplicate = (e: unknown) => (e as { code?: string }).code === 'ER_DUP_ENTRY';

/** Errors of a shard that cannot be reached (down, refusing connections, pool exhausted). */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|PROTOCOL_CONNECTION_LOST|Timeout acquiring a connection|connect ETIMEDOUT/;
export const isUnreachable = (e: unknown) => {
  const err = e as { code?: string; message?: string };
  return UNREACHABLE.test(err.code ?? '') || UNREACHABLE.test(err.message ?? '');
};

export class IdempotencyClaims {
  /** Claims skipped because the key's shard did not answer (exposed as a metric). */
  skipped = 0;
  onSkip: (shard: number, idem: Idempotency, error: unknown) => void = () => undefined;

  constructor(
    private readonly shards: Shards,
    private readonly clock: () => number,
  ) {}

  async claim(idem: Idempotency): Promise<Claim> {
    if (this.shards.count <= 1) return NOTHING;
    const shard = this.shards.ofKey(idem.client, idem.key);
    const db = this.shards.db(shard);
    const where = { client: idem.client, idem_key: idem.key };
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await db('idempotency_claims').insert({ ...where, request_hash: idem.requestHash, confirmed: 0, created_at: new Date(this.clock()) });
          return this.held(shard, idem, true);
        } catch (e) {
          if (!isDuplicate(e)) throw e;
        }
        const row = await db('idempotency_claims').select('request_hash').where(where).first();
        if (!row) continue; // released in between by a refused twin: claim it again
        if (row.request_hash !== idem.requestHash) {
          throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', { idempotencyKey: idem.key });
        }
        return this.held(shard, idem, false); // a retry or a twin: its user's shard replays or runs it
      }
      throw new Error(`idempotency claim of ${idem.key} kept changing`);
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      this.skipped++;
      this.onSkip(shard, idem, e);
      return NOTHING;
    }
  }

  /**
   * The claim this request holds. Confirm is an upsert (a refused twin may have released
   * the claim meanwhile); only the request that made it releases it. Neither throws: the
   * command's outcome is decided by then, and a failure here is logged and counted.
   */
  private held(shard: number, idem: Idempotency, made: boolean): Claim {
    const db = this.shards.db(shard);
    const where = { client: idem.client, idem_key: idem.key };
    const quietly = async (what: () => Promise<unknown>) => {
      try {
        await what();
      } catch (e) {
        this.skipped++;
        this.onSkip(shard, idem, e);
      }
    };
    return {
      confirm: () =>
        quietly(() =>
          db('idempotency_claims')
            .insert({ ...where, request_hash: idem.requestHash, confirmed: 1, created_at: new Date(this.clock()) })
            .onConflict(['client', 'idem_key'])
            .merge({ confirmed: 1 }),
        ),
      release: async () => {
        if (made)
          await quietly(() =>
            db('idempotency_claims')
              .where({ ...where, confirmed: 0 })
              .del(),
          );
      },
    };
  }
}
