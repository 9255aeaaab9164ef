/**
 * Where a user's rows live in the write model (ADR 0011): a pure function of the userId,
 * and ids that carry their shard, so that a command addressed by a grant or a use goes
 * straight to the one shard that holds it.
 *
 * - shardOfUser: FNV-1a (32 bit) of the userId's UTF-8 bytes, mod the number of shards.
 *   Stable across processes, languages and restarts; changing the number of shards moves
 *   users (a resharding, which this project does not do online).
 * - idOnShard: a random UUID (version 4) whose first byte is the shard number. The id
 *   stays a valid v4 UUID (the first byte of a v4 UUID is random anyway) and matches
 *   API.md's id pattern; clients keep treating it as opaque.
 * - shardOfId: the shard an id names, or undefined when it names none (an unknown id,
 *   answered 404 without asking any shard). With one shard every id is on shard 0, also
 *   ids made before ids carried a shard.
 */
import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function shardOfUser(userId: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a32(userId) % shards;
}

/** The shard of an idempotency key's claim: the key's own, whatever user it names. */
export function shardOfKey(client: string, key: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a32(`${client}\u0000${key}`) % shards;
}

export function idOnShard(shard: number, uuid: string = randomUUID()): string {
  if (!Number.isInteger(shard) || shard < 0 || shard > 255) throw new RangeError(`shard ${shard} is not 0..255`);
  return shard.toString(16).padStart(2, '0') + uuid.slice(2);
}

export function shardOfId(id: string, shards: number): number | undefined {
  if (!UUID.test(id)) return undefined;
  if (shards <= 1) return 0;
  const shard = Number.parseInt(id.slice(0, 2), 16);
  return shard < shards ? shard : undefined;
}
