/**
 * Decodes a message of points.events: Confluent wire format, the writer's schema
 * fetched from the registry by id (cached), resolved to our reader schema
 * (schemas/point-event.avsc), then checked for what Avro cannot express.
 * Anything that fails is a PoisonMessage: it goes to the dead-letter topic.
 */
import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

type Resolver = ReturnType<avro.Type['createResolver']>;
import { pointEventType } from './event-codec.ts';
import type { PointEvent } from './point-event.ts';

/** Where writer schemas come from: the registry client (@kafkajs/confluent-schema-registry), or a test's own. */
export interface SchemaSource {
  /** The writer's schema of an id, parsed (an avsc Type for Avro); errors carry the HTTP `status`. */
  getSchema(id: number): Promise<unknown>;
}

export class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

/** How long a schema id found unusable (unknown, not Avro, not a PointEvent) stays so without asking the registry again. */
const POISON_SCHEMA_MEMORY_MS = 10_000;

export class EventDecoder {
  private readonly resolvers = new Map<number, Promise<Resolver | undefined>>();
  /**
   * What the registry said, for the synchronous path: the resolver, undefined when the
   * writer's schema is ours (no resolution needed, the faster read), or why the schema
   * makes its messages poison.
   */
  private readonly ready = new Map<number, Resolver | undefined | PoisonMessage>();

  private readonly registry: SchemaSource;

  /** registry: the registry's URL (Confluent API), or a source of writer schemas (tests). */
  constructor(registry: string | SchemaSource) {
    this.registry = typeof registry === 'string' ? new SchemaRegistry({ host: registry }) : registry;
  }

  private resolver(schemaId: number): Promise<Resolver | undefined> {
    let r = this.resolvers.get(schemaId);
    if (!r) {
      r = (async () => {
        let writer: unknown;
        try {
          writer = await this.registry.getSchema(schemaId);
        } catch (e) {
          const status = (e as { status?: number }).status;
          if (status === 404) throw new PoisonMessage(`schema id ${schemaId} is unknown to the registry`);
          // Any other answer, or none (the client reports a refused connection as status 400),
          // is registry trouble: the runner retries. The client parses the schema it fetched;
          // an error without a status is that parse failing: the schema makes its messages poison.
          if (status !== undefined || (e as { code?: string }).code) throw e;
          throw new PoisonMessage(`schema ${schemaId} is not a usable Avro schema: ${(e as Error).message}`);
        }
        if (!(writer instanceof avro.Type)) throw new PoisonMessage(`schema ${schemaId} is not an Avro schema`);
        // Same canonical form: the bytes read the same without a resolver, and faster.
        if (writer.equals(pointEventType)) return undefined;
        try {
          return pointEventType.createResolver(writer);
        } catch (e) {
          throw new PoisonMessage(`schema ${schemaId} cannot be read as PointEvent: ${(e as Error).message}`);
        }
      })();
      this.resolvers.set(schemaId, r);
      r.then(
        (resolver) => this.ready.set(schemaId, resolver),
        (e: unknown) => {
          // Registry trouble is retried with the next message. A schema that makes its
          // messages poison (unknown id, unusable) is asked again only after a while: a
          // burst of such messages must not cost one registry round trip each.
          if (!(e instanceof PoisonMessage)) {
            this.resolvers.delete(schemaId);
            return;
          }
          this.ready.set(schemaId, e);
          setTimeout(() => {
            this.ready.delete(schemaId);
            this.resolvers.delete(schemaId);
          }, POISON_SCHEMA_MEMORY_MS).unref();
        },
      );
    }
    return r;
  }

  /** The event, or a PoisonMessage; other errors (registry down) are worth retrying. */
  async decode(key: string | null, value: Buffer | null): Promise<PointEvent> {
    let r = this.decodeNow(key, value);
    if (r === undefined) r = read(key, value!, await this.resolver(value!.readInt32BE(1)));
    if (typeof r === 'string') throw new PoisonMessage(r);
    return r;
  }

  /**
   * decode() without waiting and without throwing: the event, why the message is poison
   * (a string: a replay can hold thousands of such messages, and an Error per message
   * costs a stack trace), or undefined when the message's schema has not been fetched
   * yet (then call decode()).
   */
  decodeNow(key: string | null, value: Buffer | null): PointEvent | string | undefined {
    if (!value || value.length < 6) return 'empty or too short for the Confluent wire format';
    if (value[0] !== 0) return `magic byte is ${value[0]}, not 0`;
    const schemaId = value.readInt32BE(1);
    const resolver = this.ready.get(schemaId);
    if (resolver === undefined && !this.ready.has(schemaId)) return undefined;
    if (resolver instanceof PoisonMessage) return resolver.message;
    return read(key, value, resolver);
  }
}

/** The Avro body of a wire-format message, checked: the event, or why it is poison. */
function read(key: string | null, value: Buffer, resolver: Resolver | undefined): PointEvent | string {
  let event: PointEvent;
  try {
    event = pointEventType.fromBuffer(value.subarray(5), resolver) as PointEvent;
  } catch (e) {
    return `Avro body does not decode: ${(e as Error).message}`;
  }
  return checkEvent(event, key) ?? event;
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
  if ((e.type === 'POINTS_USED' || e.type === 'POINTS_USE_CANCELED') && e.allocations.reduce((s, a) => s + a.amount, 0) !== e.amount)
    return `${e.type} allocations do not add up to amount`;
  return undefined;
}
