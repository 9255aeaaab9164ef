/**
 * Test support, a script (projectors/test/rebuild.e2e.test.ts runs it, so that no import
 * crosses into api/, ADR 0009): events as the API of schema version 1 wrote them, on the
 * topic beside today's. The real Ledger (MySQL rows, outbox, Debezium) with version 1's
 * encoder, under version 1's id in the registry. A grant, a use, its cancellation and a
 * revocation: v1's types. Prints one line of JSON, {"userId", "balance"}: the user and the
 * balance MySQL holds.
 *
 * Usage: npx tsx api/test/support/write-v1-events.ts
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { loadConfig } from '../../../common/src/config.ts';
import { createShards } from '../../../common/src/mysql.ts';
import { POINT_EVENT_SUBJECT, pointEventSchemaVersions } from '../../src/ledger/event-codec.ts';
import { Ledger } from '../../src/ledger/ledger.ts';

async function writeVersion1Events(): Promise<{ userId: string; balance: number }> {
  const config = loadConfig();
  const registry = new SchemaRegistry({ host: config.registry.url });
  const v1Id = await registry.getRegistryId(POINT_EVENT_SUBJECT, 1);
  const v1Type = avro.Type.forSchema(JSON.parse(pointEventSchemaVersions[0]!) as avro.Schema);
  const shards = createShards(config, 2);
  const ledger = new Ledger({
    shards,
    schemaId: v1Id,
    clock: Date.now,
    encodeEvent: (event) => {
      const head = Buffer.alloc(5); // Confluent wire format: magic byte 0, the schema id
      head.writeInt32BE(v1Id, 1);
      return Buffer.concat([head, v1Type.toBuffer(event)]);
    },
  });
  const userId = `rebuild-v1-${randomUUID().slice(0, 8)}`;
  const run = async (target: Parameters<Ledger['execute']>[0]['target'], build: Parameters<Ledger['execute']>[0]['build']) =>
    ledger.execute({ idempotency: { client: 'rebuild-test', key: randomUUID(), requestHash: 'x' }, target, build, respond: (_e, after) => after.balance });
  try {
    const grantId = shards.newIdFor({ userId });
    const second = shards.newIdFor({ userId });
    const useId = shards.newIdFor({ userId });
    const day = 86_400_000;
    await run({ userId }, () => ({
      kind: 'grant',
      userId,
      grantId,
      amount: 1000,
      expiresAt: Date.now() + 30 * day,
      reason: 'v1 grant',
      source: null,
      orderId: 'v1-order',
    }));
    await run({ userId }, () => ({ kind: 'grant', userId, grantId: second, amount: 200, expiresAt: Date.now() + 60 * day, reason: 'v1 grant', source: null }));
    await run({ userId }, () => ({ kind: 'use', userId, useId, amount: 300, orderId: 'v1-order', reason: null }));
    await run({ useId }, (w) => ({
      kind: 'cancelUse',
      userId: w.userId,
      useId,
      cancellationId: shards.newIdFor({ id: useId }),
      amount: 100,
      reason: 'v1 cancel',
    }));
    const last = await run({ grantId: second }, (w) => ({ kind: 'revoke', userId: w.userId, grantId: second, reason: 'v1 revoke' }));
    return { userId, balance: last.body as number };
  } finally {
    await shards.destroy();
  }
}

process.stdout.write(`${JSON.stringify(await writeVersion1Events())}\n`);
