/**
 * Each service of the local stack answers on its own port from .env, keeps its data
 * under STACK_DIR (never the machine's server), and is set up as the pipeline needs.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { ConfigResourceTypes } from 'kafkajs';
import { loadConfig } from '../../common/src/config.ts';
import { testKafka } from '../../testing/kafka.ts';

const cfg = loadConfig();
const stackDir = cfg.stackDir;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => { for (const c of closers) await c(); });

async function connectAs(user: { user: string; password: string }) {
  const conn = await mysql.createConnection({ host: cfg.mysql.host, port: cfg.mysql.port, ...user, database: cfg.mysql.database });
  closers.push(() => conn.end());
  return conn;
}

async function clickhouse(sql: string, user: { user: string; password: string }) {
  const res = await fetch(`${cfg.clickhouse.url}/?database=${cfg.clickhouse.database}`, {
    method: 'POST',
    body: sql,
    headers: { 'X-ClickHouse-User': user.user, 'X-ClickHouse-Key': user.password },
  });
  return { status: res.status, text: (await res.text()).trim() };
}

describe('MariaDB', () => {
  it('is our own instance, with the binlog settings Debezium needs', async () => {
    const conn = await connectAs(cfg.mysql.app);
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT @@port AS port, @@datadir AS datadir, @@log_bin AS log_bin, @@binlog_format AS format, ' +
        '@@binlog_row_image AS image, @@server_id AS server_id, VERSION() AS version',
    );
    const r = rows[0]!;
    expect(Number(r.port)).toBe(cfg.mysql.port);
    expect(path.resolve(String(r.datadir))).toBe(path.join(stackDir, 'data/mariadb'));
    expect(Number(r.log_bin)).toBe(1);
    expect(r.format).toBe('ROW');
    expect(r.image).toBe('FULL');
    expect(Number(r.server_id)).toBeGreaterThan(0);
    expect(String(r.version)).toMatch(/^10\.11\..*MariaDB/);
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
        type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'retention.bytes'],
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
    const redis = new Redis({ host: cfg.redis.host, port: cfg.redis.port, lazyConnect: true });
    await redis.connect();
    closers.push(() => redis.quit());
    expect(await redis.ping()).toBe('PONG');
    await redis.set('stack-test:probe', 'ok', 'EX', 60);
    expect(await redis.get('stack-test:probe')).toBe('ok');
    const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
    expect(path.resolve(dir)).toBe(path.join(stackDir, 'data/redis'));
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    expect(aof).toBe('yes');
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
});
