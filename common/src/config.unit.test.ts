import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.ts';

const complete: Record<string, string> = {
  MYSQL_PORT: '13306',
  MYSQL_APP_USER: 'app',
  MYSQL_APP_PASSWORD: 'a',
  MYSQL_MIGRATOR_USER: 'mig',
  MYSQL_MIGRATOR_PASSWORD: 'm',
  MYSQL_CDC_USER: 'cdc',
  MYSQL_CDC_PASSWORD: 'c',
  KAFKA_PORT: '19092',
  CONNECT_PORT: '18083',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7/',
  REDIS_PORT: '16379',
  CLICKHOUSE_HTTP_PORT: '18123',
  CLICKHOUSE_WRITER_USER: 'w',
  CLICKHOUSE_WRITER_PASSWORD: 'wp',
  CLICKHOUSE_ANALYST_USER: 'an',
  CLICKHOUSE_ANALYST_PASSWORD: 'ap',
  API_KEYS: 'admin/admin+points:write/0123456789abcdef0123,reader/points:read/fedcba9876543210fedc',
};

describe('readConfig', () => {
  it('builds a typed configuration with defaults', () => {
    const c = readConfig(complete);
    expect(c.mysql).toMatchObject({ host: '127.0.0.1', port: 13306, database: 'points' });
    expect(c.topology).toBe('single');
    expect(c.kafka).toEqual({
      brokers: ['127.0.0.1:19092'],
      replicationFactor: 1,
      minInsyncReplicas: 1,
      pointsTopic: 'points.events',
      pointsTopicPartitions: 6,
      dlqTopic: 'points.events.dlq',
      noticesTopic: 'points.notices',
    });
    expect(c.redis).toEqual({ host: '127.0.0.1', port: 16379, clusterNodes: [] });
    expect(c.connect.url).toBe('http://127.0.0.1:18083');
    expect(c.registry.url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(c.clickhouse.url).toBe('http://127.0.0.1:18123');
    expect(c.clickhouse.nodes).toEqual(['http://127.0.0.1:18123']);
    expect(c.clickhouse.cluster).toBeUndefined();
    expect(c.api.keys).toEqual([
      { name: 'admin', secret: '0123456789abcdef0123', scopes: ['admin', 'points:write'] },
      { name: 'reader', secret: 'fedcba9876543210fedc', scopes: ['points:read'] },
    ]);
    expect(c.api.port).toBe(18080);
    expect(c.api.listenPort).toBe(18080);
  });

  it('cluster: the brokers and Redis nodes from their port lists, replication 3 with 2 in sync', () => {
    const c = readConfig({
      ...complete,
      STACK_TOPOLOGY: 'cluster',
      KAFKA_CLUSTER_PORTS: '19092,19094,19096',
      REDIS_CLUSTER_PORTS: '16381,16382,16383,16384,16385,16386',
      MYSQL_SHARD_PORTS: '13306,13307',
      CLICKHOUSE_CLUSTER_HTTP_PORTS: '18123,18125',
      API_LISTEN_PORT: '18091',
      INSTANCE_NAME: 'api-1',
    });
    expect(c.topology).toBe('cluster');
    expect(c.instance).toBe('api-1');
    expect(c.kafka).toMatchObject({ brokers: ['127.0.0.1:19092', '127.0.0.1:19094', '127.0.0.1:19096'], replicationFactor: 3, minInsyncReplicas: 2 });
    expect(c.redis.clusterNodes.map((n) => n.port)).toEqual([16381, 16382, 16383, 16384, 16385, 16386]);
    expect(c.api).toMatchObject({ port: 18080, listenPort: 18091 });
    // A shard per port; the first keeps the single topology's connector names.
    expect(c.mysql.shards).toEqual([
      { host: '127.0.0.1', port: 13306 },
      { host: '127.0.0.1', port: 13307 },
    ]);
    expect(c.cdc.sources).toEqual([
      { connector: 'points-outbox', host: '127.0.0.1', port: 13306, serverId: 5401, topicPrefix: 'points', historyTopic: 'points.schema-history' },
      { connector: 'points-outbox-2', host: '127.0.0.1', port: 13307, serverId: 5402, topicPrefix: 'points-2', historyTopic: 'points-2.schema-history' },
    ]);
  });

  it('cluster: the ClickHouse servers from their port list, the first the entry, and the cluster name', () => {
    const cluster = {
      ...complete,
      STACK_TOPOLOGY: 'cluster',
      KAFKA_CLUSTER_PORTS: '19092,19094,19096',
      REDIS_CLUSTER_PORTS: '1,2,3,4,5,6',
      MYSQL_SHARD_PORTS: '13306,13307',
    };
    const c = readConfig({ ...cluster, CLICKHOUSE_CLUSTER_HTTP_PORTS: '18123,18125' });
    expect(c.clickhouse).toMatchObject({ url: 'http://127.0.0.1:18123', nodes: ['http://127.0.0.1:18123', 'http://127.0.0.1:18125'], cluster: 'ledger' });
    expect(readConfig({ ...cluster, CLICKHOUSE_CLUSTER_HTTP_PORTS: '18123,18125', CLICKHOUSE_CLUSTER_NAME: 'shards' }).clickhouse.cluster).toBe('shards');
    // single: the one server, no cluster, whatever the cluster's lists say.
    const single = readConfig({ ...complete, CLICKHOUSE_CLUSTER_HTTP_PORTS: '18125,18127' }).clickhouse;
    expect(single.nodes).toEqual(['http://127.0.0.1:18123']);
    expect(single.cluster).toBeUndefined();
    const problems = (env: Record<string, string>) => {
      try {
        readConfig({ ...cluster, ...env });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ CLICKHOUSE_CLUSTER_HTTP_PORTS: '18125,18123' })).toEqual([
      'CLICKHOUSE_CLUSTER_HTTP_PORTS must start with CLICKHOUSE_HTTP_PORT (18123), the entry server, got "18125,18123"',
    ]);
    expect(problems({ CLICKHOUSE_CLUSTER_HTTP_PORTS: '18123,18125', CLICKHOUSE_CLUSTER_NAME: 'a-b' })).toEqual([
      'CLICKHOUSE_CLUSTER_NAME must be a plain name (letters, digits, _), got "a-b"',
    ]);
    expect(problems({})).toContain('CLICKHOUSE_CLUSTER_HTTP_PORTS is required');
  });

  it('refuses an unknown topology and short port lists', () => {
    const problems = (env: Record<string, string>) => {
      try {
        readConfig({ ...complete, ...env });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ STACK_TOPOLOGY: 'mesh' })).toEqual(['STACK_TOPOLOGY must be one of single, cluster, got "mesh"']);
    expect(
      problems({
        STACK_TOPOLOGY: 'cluster',
        KAFKA_CLUSTER_PORTS: '19092',
        REDIS_CLUSTER_PORTS: '1,2,3,4,5,6',
        MYSQL_SHARD_PORTS: '13306,13307',
        CLICKHOUSE_CLUSTER_HTTP_PORTS: '18123',
      }),
    ).toEqual(['KAFKA_CLUSTER_PORTS must be a comma-separated list of at least 3 ports, got "19092"']);
  });

  it('refuses malformed API keys with a reason each', () => {
    const bad = (API_KEYS: string) => {
      try {
        readConfig({ ...complete, API_KEYS });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(bad('admin/root/0123456789abcdef0123')).toEqual(['API_KEYS: key "admin" has unknown scope(s) root (known: points:write, points:read, admin)']);
    expect(bad('admin/admin/short')).toEqual(['API_KEYS: the secret of key "admin" must be at least 16 characters']);
    expect(bad('justone')).toEqual(['API_KEYS: "justone" is not name/scope+scope/secret[/requests-per-second]']);
    expect(bad('b/admin/0123456789abcdef0123/0')).toEqual(['API_KEYS: the rate limit of key "b" must be an integer from 1 to 1000000, got "0"']);
    expect(bad('b/admin/0123456789abcdef0123/fast')).toEqual(['API_KEYS: the rate limit of key "b" must be an integer from 1 to 1000000, got "fast"']);
    expect(bad('a/admin/0123456789abcdef0123,a/admin/0123456789abcdef9999')).toEqual(['API_KEYS: key "a" repeats a name or a secret']);
    expect(bad('b/admin/0123456789abcdef0123/10/x')).toEqual(['API_KEYS: "b" is not name/scope+scope/secret[/requests-per-second]']);
  });

  it("reads a key's own rate limit", () => {
    const c = readConfig({ ...complete, API_KEYS: 'a/admin/0123456789abcdef0123,b/points:read/fedcba9876543210fedc/50000' });
    expect(c.api.keys.map((k) => k.rateLimitPerSecond)).toEqual([undefined, 50000]);
  });

  it('keeps idempotency records 7 days unless IDEMPOTENCY_RETENTION_DAYS says otherwise (1 to 3650)', () => {
    expect(readConfig(complete).api.idempotencyRetentionDays).toBe(7);
    expect(readConfig({ ...complete, IDEMPOTENCY_RETENTION_DAYS: '' }).api.idempotencyRetentionDays).toBe(7);
    expect(readConfig({ ...complete, IDEMPOTENCY_RETENTION_DAYS: '30' }).api.idempotencyRetentionDays).toBe(30);
    const bad = (IDEMPOTENCY_RETENTION_DAYS: string) => {
      try {
        readConfig({ ...complete, IDEMPOTENCY_RETENTION_DAYS });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    for (const v of ['0', '3651', '1.5', 'week', '-7']) {
      expect(bad(v)).toEqual([`IDEMPOTENCY_RETENTION_DAYS must be an integer from 1 to 3650, got "${v}"`]);
    }
  });

  it('takes screenshots into the tree only with SCREENSHOTS=1', () => {
    expect(readConfig(complete).testing.screenshots).toBe(false);
    expect(readConfig({ ...complete, SCREENSHOTS: '1' }).testing.screenshots).toBe(true);
    expect(readConfig({ ...complete, SCREENSHOTS: 'true' }).testing.screenshots).toBe(true);
    expect(readConfig({ ...complete, SCREENSHOTS: '0' }).testing.screenshots).toBe(false);
    expect(() => readConfig({ ...complete, SCREENSHOTS: 'yes' })).toThrow('SCREENSHOTS must be 1, 0, true or false, got "yes"');
  });

  it('names every problem at once', () => {
    const env = { ...complete, MYSQL_PORT: '70000', KAFKA_PORT: 'abc', MYSQL_APP_PASSWORD: '__GENERATE__', SCHEMA_REGISTRY_URL: 'ftp://x' };
    delete (env as Record<string, string | undefined>).REDIS_PORT;
    let error: unknown;
    try {
      readConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'MYSQL_PORT must be an integer from 1 to 65535, got "70000"',
        'KAFKA_PORT must be an integer from 1 to 65535, got "abc"',
        'MYSQL_APP_PASSWORD still holds the placeholder __GENERATE__',
        'SCHEMA_REGISTRY_URL must be an http(s) URL, got "ftp://x"',
        'REDIS_PORT is required',
      ]),
    );
    expect(problems).toHaveLength(5);
  });
});
