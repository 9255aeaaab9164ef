/**
 * Each service of the local stack answers on its own port from .env, keeps its data
 * under STACK_DIR (never the machine's server), and is set up as the pipeline needs.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { ConfigResourceTypes } from 'kafkajs';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis, masters } from '../../common/src/redis.ts';
import { testKafka } from '../../testing/kafka.ts';

const cfg = loadConfig();
const stackDir = cfg.stackDir;
// Each topology keeps its data in a folder of its own (ADR 0010).
const dataDir = path.join(stackDir, cfg.topology === 'cluster' ? 'data-cluster' : 'data');
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function connectAs(user: { user: string; password: string }, shard = cfg.mysql.shards[0]!) {
  const conn = await mysql.createConnection({ host: shard.host, port: shard.port, ...user, database: cfg.mysql.database });
  closers.push(() => conn.end());
  return conn;
}

async function clickhouse(sql: string, user: { user: string; password: string }, url = cfg.clickhouse.url) {
  const res = await fetch(`${url}/?database=${cfg.clickhouse.database}`, {
    method: 'POST',
    body: sql,
    headers: { 'X-ClickHouse-User': user.user, 'X-ClickHouse-Key': user.password },
  });
  return { status: res.status, text: (await res.text()).trim() };
}

describe('MariaDB', () => {
  it('is our own instance (each shard in cluster), with the binlog settings Debezium needs and a server id of its own', async () => {
    const serverIds = new Set<number>();
    for (const [i, shard] of cfg.mysql.shards.entries()) {
      const conn = await connectAs(cfg.mysql.app, shard);
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT @@port AS port, @@datadir AS datadir, @@log_bin AS log_bin, @@binlog_format AS format, ' +
          '@@binlog_row_image AS image, @@server_id AS server_id, VERSION() AS version',
      );
      const r = rows[0]!;
      expect(Number(r.port)).toBe(shard.port);
      expect(path.resolve(String(r.datadir))).toBe(path.join(dataDir, cfg.topology === 'cluster' ? `mariadb-${i + 1}` : 'mariadb'));
      expect(Number(r.log_bin)).toBe(1);
      expect(r.format).toBe('ROW');
      expect(r.image).toBe('FULL');
      expect(Number(r.server_id)).toBeGreaterThan(0);
      serverIds.add(Number(r.server_id));
      expect(String(r.version)).toMatch(/^10\.11\..*MariaDB/);
      // Every shard has the same schema (make migrate applies it to each).
      const [tables] = await conn.query<RowDataPacket[]>('SHOW TABLES');
      expect(tables.map((t) => Object.values(t)[0])).toEqual(expect.arrayContaining(['point_wallets', 'idempotency_keys', 'idempotency_claims']));
    }
    expect(serverIds.size).toBe(cfg.mysql.shards.length);
  });

  it('gives the application user DML only', async () => {
    const conn = await connectAs(cfg.mysql.app);
    await expect(conn.query('CREATE TABLE not_allowed (id INT)')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    await expect(conn.query('SELECT COUNT(*) FROM point_event_outbox')).resolves.toBeDefined();
  });

  it('gives the CDC user binlog access and read-only access to the ledger', async () => {
    const conn = await connectAs(cfg.mysql.cdc);
    const [grants] = await conn.query<RowDataPacket[]>('SHOW GRANTS');
    const text = grants.map((g) => Object.values(g)[0]).join('\n');
    expect(text).toMatch(/REPLICATION SLAVE/);
    expect(text).toMatch(/BINLOG MONITOR/);
    expect(text).not.toMatch(/ALL PRIVILEGES/);
    await expect(
      conn.query("INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ('x','x','x','x','x')"),
    ).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
  });
});

describe('Kafka', () => {
  it('has points.events with the configured partitions and unlimited retention, and the schema history topic', async () => {
    const admin = testKafka('tests-admin').admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const meta = await admin.fetchTopicMetadata({ topics: [cfg.kafka.pointsTopic, 'points.schema-history', cfg.kafka.dlqTopic] });
    const byName = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    expect(byName.get(cfg.kafka.pointsTopic)).toBe(cfg.kafka.pointsTopicPartitions);
    expect(byName.get('points.schema-history')).toBe(1);
    expect(byName.get(cfg.kafka.dlqTopic)).toBe(1);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [cfg.kafka.pointsTopic, 'points.schema-history'].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'retention.bytes'],
      })),
    });
    for (const r of described.resources) {
      const v = Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]));
      expect(v, r.resourceName).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1' });
    }
  });
});

describe('Redis', () => {
  it('answers on its own port with its data under the stack folder', async () => {
    const redis = createRedis(cfg, { lazyConnect: true });
    await redis.connect();
    closers.push(() => redis.quit());
    expect(await redis.ping()).toBe('PONG');
    await redis.set('stack-test:probe', 'ok', 'EX', 60);
    expect(await redis.get('stack-test:probe')).toBe('ok');
    // Each server (on Redis Cluster each master) keeps its data in a folder of its own under the stack's.
    for (const server of await masters(redis)) {
      const [, dir] = (await server.config('GET', 'dir')) as [string, string];
      if (cfg.topology === 'single') expect(path.resolve(dir)).toBe(path.join(dataDir, 'redis'));
      else expect(path.resolve(dir).startsWith(dataDir + path.sep)).toBe(true);
      const [, aof] = (await server.config('GET', 'appendonly')) as [string, string];
      expect(aof).toBe('yes');
    }
  });
});

describe('ClickHouse', () => {
  it('answers a query as the writer, and as the read-only analyst', async () => {
    const w = await clickhouse('SELECT 1 + 1', cfg.clickhouse.writer);
    expect(w).toEqual({ status: 200, text: '2' });
    const version = await clickhouse('SELECT version()', cfg.clickhouse.writer);
    expect(version.text).toMatch(/^\d+\.\d+/);
    const a = await clickhouse(`SELECT count() FROM system.one`, cfg.clickhouse.analyst);
    expect(a).toEqual({ status: 200, text: '1' });
  });

  it('refuses writes and DDL from the analyst', async () => {
    const ddl = await clickhouse('CREATE TABLE analyst_probe (x UInt8) ENGINE = Memory', cfg.clickhouse.analyst);
    expect(ddl.status).not.toBe(200);
    expect(ddl.text).toMatch(/readonly/i);
  });

  it('refuses a wrong password', async () => {
    const r = await clickhouse('SELECT 1', { user: cfg.clickhouse.analyst.user, password: 'wrong' });
    expect(r.status).not.toBe(200);
  });

  it("keeps each server's data in its own folder; in cluster every server names the same cluster of one shard per server (ADR 0012)", async () => {
    const seen = new Set<string>();
    for (const [i, url] of cfg.clickhouse.nodes.entries()) {
      // The folder of the table that holds the rows there (the projector creates it at start).
      const data = await clickhouse(
        `SELECT data_path FROM system.tables WHERE database = '${cfg.clickhouse.database}' AND name = '${cfg.clickhouse.cluster ? 'events_local' : 'events'}'`,
        cfg.clickhouse.writer,
        url,
      );
      expect(data.status).toBe(200);
      const instance = cfg.clickhouse.cluster ? `clickhouse-${i + 1}` : 'clickhouse';
      expect(data.text.startsWith(path.join(dataDir, instance) + path.sep)).toBe(true);
      seen.add(data.text);
      if (!cfg.clickhouse.cluster) continue;
      const shards = await clickhouse(
        `SELECT shard_num, replica_num, port, is_local FROM system.clusters WHERE cluster = '${cfg.clickhouse.cluster}' ORDER BY shard_num FORMAT JSONCompact`,
        cfg.clickhouse.writer,
        url,
      );
      const rows = (JSON.parse(shards.text) as { data: unknown[][] }).data;
      expect(rows.map((r) => [Number(r[0]), Number(r[1])])).toEqual(cfg.clickhouse.nodes.map((_, n) => [n + 1, 1]));
      // The server knows itself as its own shard.
      expect(rows.filter((r) => Number(r[3]) === 1).map((r) => Number(r[0]))).toEqual([i + 1]);
    }
    expect(seen.size).toBe(cfg.clickhouse.nodes.length);
  });
});
