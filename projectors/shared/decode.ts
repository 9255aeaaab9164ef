/**
 * Decodes a message of points.events: Confluent wire format, the writer's schema
 * fetched from the registry by id (cached), resolved to our reader schema
 * (schemas/point-event.avsc), then checked for what Avro cannot express.
 * Anything that fails is a PoisonMessage: it goes to the dead-letter topic.
 */
import avro from 'avsc';

type Resolver = ReturnType<avro.Type['createResolver']>;
import { pointEventType } from '../../api/src/ledger/event-codec.ts';
import type { PointEvent } from '../../api/src/points/types.ts';

export class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

export class EventDecoder {
  private readonly resolvers = new Map<number, Promise<Resolver>>();

  constructor(private readonly registryUrl: string) {}

  private resolver(schemaId: number): Promise<Resolver> {
    let r = this.resolvers.get(schemaId);
    if (!r) {
      r = (async () => {
        const res = await fetch(`${this.registryUrl}/schemas/ids/${schemaId}`, { signal: AbortSignal.timeout(10_000) });
        if (res.status === 404) throw new PoisonMessage(`schema id ${schemaId} is unknown to the registry`);
        if (!res.ok) throw new Error(`schema registry answered ${res.status} for schema ${schemaId}`);
        const { schema } = (await res.json()) as { schema: string };
        let writer: avro.Type;
        try {
          writer = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
        } catch (e) {
          throw new PoisonMessage(`schema ${schemaId} is not a usable Avro schema: ${(e as Error).message}`);
        }
        try {
          return pointEventType.createResolver(writer);
        } catch (e) {
          throw new PoisonMessage(`schema ${schemaId} cannot be read as PointEvent: ${(e as Error).message}`);
        }
      })();
      this.resolvers.set(schemaId, r);
      r.catch(() => this.resolvers.delete(schemaId)); // registry trouble is retried next time
    }
    return r;
  }

  /** The event, or a PoisonMessage; other errors (registry down) are worth retrying. */
  async decode(key: string | null, value: Buffer | null): Promise<PointEvent> {
    if (!value || value.length < 6) throw new PoisonMessage('empty or too short for the Confluent wire format');
    if (value[0] !== 0) throw new PoisonMessage(`magic byte is ${value[0]}, not 0`);
    const resolver = await this.resolver(value.readInt32BE(1));
    let event: PointEvent;
    try {
      event = pointEventType.fromBuffer(value.subarray(5), resolver) as PointEvent;
    } catch (e) {
      throw new PoisonMessage(`Avro body does not decode: ${(e as Error).message}`);
    }
    const problem = checkEvent(event, key);
    if (problem) throw new PoisonMessage(problem);
    return event;
  }
}

/** What the schema cannot say: the rules every event of the ledger keeps. */
export function checkEvent(e: PointEvent, key: string | null): string | undefined {
  if (key !== null && key !== e.userId) return `key ${key} is not the event's userId ${e.userId}`;
  if (!Number.isSafeInteger(e.seq) || e.seq < 1) return `seq ${e.seq} is not a positive integer`;
  if (!Number.isSafeInteger(e.amount) || e.amount < 1) return `amount ${e.amount} is not a positive integer`;
  if (!Number.isSafeInteger(e.balanceAfter) || e.balanceAfter < 0) return `balanceAfter ${e.balanceAfter} is negative`;
  const needsGrant = e.type === 'POINTS_GRANTED' || e.type === 'POINTS_EXPIRED' || e.type === 'POINTS_REVOKED';
  if (needsGrant && !e.grantId) return `${e.type} without grantId`;
  if (e.type === 'POINTS_GRANTED' && e.expiresAt === null) return 'POINTS_GRANTED without expiresAt';
  if ((e.type === 'POINTS_USED' || e.type === 'POINTS_USE_CANCELED') && !e.useId) return `${e.type} without useId`;
  if ((e.type === 'POINTS_USED' || e.type === 'POINTS_USE_CANCELED')
    && e.allocations.reduce((s, a) => s + a.amount, 0) !== e.amount) return `${e.type} allocations do not add up to amount`;
  return undefined;
}
