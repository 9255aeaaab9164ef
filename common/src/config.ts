/**
 * Configuration of every Node process (API, projectors, stack scripts, tests).
 * Read once, validated, typed. The only module that reads process.env.
 *
 * Values come from the environment; `.env` at the repository root fills in what
 * the environment does not set (the local stack writes it from .env.example).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import dotenv from 'dotenv';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface DbUser {
  user: string;
  password: string;
}

export const SCOPES = ['points:write', 'points:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The Authorization headers tests and tools use: a key with `admin`, one that writes
 * without admin, one that reads without writing, from API_KEYS (.env).
 */
export function authHeaders(keys: ApiKey[]): { admin: string; write: string; read: string } {
  const keyWith = (scope: Scope, not?: Scope) => {
    const k = keys.find((x) => x.scopes.includes(scope) && (!not || !x.scopes.includes(not)));
    if (!k) throw new Error(`no API key with scope ${scope}${not ? ` and without ${not}` : ''} in API_KEYS`);
    return `Bearer ${k.secret}`;
  };
  return { admin: keyWith('admin'), write: keyWith('points:write', 'admin'), read: keyWith('points:read', 'points:write') };
}

export interface ApiKey {
  name: string;
  secret: string;
  scopes: Scope[];
  /** Requests per second for this key; absent: API_RATE_LIMIT_PER_SECOND. */
  rateLimitPerSecond?: number;
}

export interface CdcSource {
  /** The Kafka Connect connector that streams this database's outbox. */
  connector: string;
  host: string;
  port: number;
  /** The connector's own MySQL replication server id. */
  serverId: number;
  /** Debezium's topic.prefix (its logical server name) and schema-history topic. */
  topicPrefix: string;
  historyTopic: string;
}

export type Topology = 'single' | 'cluster';

export interface HostPort {
  host: string;
  port: number;
}

export interface StackConfig {
  /** The local stack's folder (data, logs, jars), absolute. */
  stackDir: string;
  /**
   * single: one instance of every service (the default); cluster: 3 Kafka brokers, 2 Connect
   * workers, 2 registries, Redis Cluster (3 masters + 3 replicas), 2 API instances behind
   * HAProxy, 2 instances of each projector (STACK_TOPOLOGY, ADR 0010).
   */
  topology: Topology;
  /**
   * This process's name among the instances of its service (INSTANCE_NAME, set by the
   * stack: api-1, projector-redis-2, ...); else the host name and pid.
   */
  instance: string;
  mysql: {
    /** The first shard's (the single topology's one server). */
    host: string;
    port: number;
    /**
     * The write model's shards: one in single, MYSQL_SHARD_PORTS in cluster. A user lives
     * on shards[hash(userId) mod N] (common/src/shards.ts, ADR 0011); every shard has the
     * same database, users and schema.
     */
    shards: HostPort[];
    database: string;
    app: DbUser;
    migrator: DbUser;
    cdc: DbUser;
    cdcServerId: number;
  };
  kafka: {
    brokers: string[];
    /** Replicas of every topic: 1 in single, 3 in cluster (at most the number of brokers). */
    replicationFactor: number;
    /** min.insync.replicas of every topic: 1 in single, 2 in cluster. */
    minInsyncReplicas: number;
    pointsTopic: string;
    pointsTopicPartitions: number;
    dlqTopic: string;
    /** Expiry notices (POST /v1/points/expiry-notices), routed there by the outbox connector (docs/expiry-notices.md). */
    noticesTopic: string;
  };
  connect: { url: string; groupId: string };
  /** The outbox connectors and the database each one reads (one per MySQL shard). */
  cdc: { sources: CdcSource[] };
  pipeline: {
    /** A projector whose published status is older than this is "stalled". */
    stalledAfterMs: number;
    /** How often the API samples the pipeline (CDC position, lag) for status, metrics and history. */
    sampleIntervalMs: number;
    /** How much of that history the API keeps (the console's chart). */
    historyMinutes: number;
  };
  registry: { url: string };
  /**
   * single: the one server at host:port. cluster: clusterNodes, the Redis Cluster's nodes
   * (REDIS_CLUSTER_PORTS on REDIS_HOST; a client needs any one of them to find the rest).
   */
  redis: { host: string; port: number; clusterNodes: HostPort[] };
  clickhouse: {
    /** The entry server (CLICKHOUSE_HTTP_PORT): every read and insert goes to it. */
    url: string;
    /**
     * Every server, as HTTP URLs: the one server in single; in cluster one per shard
     * (CLICKHOUSE_CLUSTER_HTTP_PORTS, the first being url). DDL and truncate go to each.
     */
    nodes: string[];
    /**
     * cluster: the name of the servers' cluster in remote_servers, which the Distributed
     * table `events` spans (ADR 0012); undefined in single, where `events` is the table.
     */
    cluster?: string;
    database: string;
    writer: DbUser;
    analyst: DbUser;
  };
  projectors: {
    /** Events kept per user in the Redis history list. */
    historyLimit: number;
    /** Partitions a projector process applies at once (kafkajs partitionsConsumedConcurrently). */
    partitionsInFlight: number;
    /**
     * Most bytes one fetch brings per partition (a fetch holds every assigned partition).
     * Sizes replay batches only: a fetch still returns as soon as one new message is there.
     */
    fetchMaxBytesPerPartition: number;
    /** The ClickHouse projector writes its buffer at this many events at the latest. */
    clickhouseFlushMaxEvents: number;
    /** Least time between two ClickHouse flushes made because every batch waits. */
    clickhouseFlushMinIntervalMs: number;
  };
  testing: {
    /** Cases per route of the bad-input fuzzer (short in `make test`, long in `make fuzz`). */
    fuzzRuns: number;
    /**
     * SCREENSHOTS=1 (`make screenshots`): the console's browser test writes its pictures to
     * docs/screenshots/ (tracked); otherwise to <stackDir>/screenshots/ (git-ignored).
     */
    screenshots: boolean;
  };
  api: {
    host: string;
    /** The API's entry port (in cluster: HAProxy's, in front of the instances). */
    port: number;
    /** The port this API process listens on: API_LISTEN_PORT (an instance in cluster), else port. */
    listenPort: number;
    keys: ApiKey[];
    /** Requests per second per API key. */
    rateLimitPerSecond: number;
    logLevel: string;
    /** Connections of the API's MySQL pool. */
    dbPoolSize: number;
    /**
     * Days an idempotency record is kept; the maintenance run (POST /v1/points/expirations)
     * deletes older ones. A replay after that is a new command.
     */
    idempotencyRetentionDays: number;
    /**
     * The grant batches' worker in each API process (ADR 0014): lanes (each one grant in
     * flight; 0: no worker), how often it looks for RUNNING batches, a claim's lease (a
     * row whose instance died is free after it) and rows per claim.
     */
    grantBatches: { concurrency: number; pollMs: number; leaseMs: number; chunkRows: number };
  };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads variables, remembering every problem so that one error names them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  str(name: string, fallback?: string): string {
    const v = this.env[name] ?? fallback;
    if (v === undefined || v === '') {
      this.problems.push(`${name} is required`);
      return '';
    }
    if (v === '__GENERATE__') this.problems.push(`${name} still holds the placeholder __GENERATE__`);
    return v;
  }

  int(name: string, fallback: number | undefined, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') {
      if (fallback !== undefined) return fallback;
      this.problems.push(`${name} is required`);
      return 0;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return 0;
    }
    return n;
  }

  /** 1/true or 0/false. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    this.problems.push(`${name} must be 1, 0, true or false, got "${raw}"`);
    return fallback;
  }

  port(name: string, fallback?: number): number {
    return this.int(name, fallback, 1, 65535);
  }

  /** API_KEYS: comma-separated name/scope+scope/secret[/requests-per-second] entries. */
  apiKeys(name: string): ApiKey[] {
    const raw = this.str(name);
    const keys: ApiKey[] = [];
    for (const entry of raw
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [keyName, scopeText, secret, limitText, ...rest] = entry.split('/');
      const scopes = (scopeText ?? '').split('+').filter(Boolean);
      const bad = scopes.filter((sc) => !(SCOPES as readonly string[]).includes(sc));
      const limit = limitText === undefined ? undefined : Number(limitText);
      if (!keyName || !secret || rest.length > 0 || scopes.length === 0) {
        this.problems.push(`${name}: "${keyName ?? ''}" is not name/scope+scope/secret[/requests-per-second]`);
      } else if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1_000_000)) {
        this.problems.push(`${name}: the rate limit of key "${keyName}" must be an integer from 1 to 1000000, got "${limitText}"`);
      } else if (bad.length > 0) {
        this.problems.push(`${name}: key "${keyName}" has unknown scope(s) ${bad.join(', ')} (known: ${SCOPES.join(', ')})`);
      } else if (secret.length < 16 || secret === '__GENERATE__') {
        this.problems.push(`${name}: the secret of key "${keyName}" must be at least 16 characters`);
      } else if (keys.some((k) => k.name === keyName || k.secret === secret)) {
        this.problems.push(`${name}: key "${keyName}" repeats a name or a secret`);
      } else {
        keys.push({ name: keyName, secret, scopes: scopes as Scope[], ...(limit === undefined ? {} : { rateLimitPerSecond: limit }) });
      }
    }
    if (raw && keys.length === 0 && this.problems.length === 0) this.problems.push(`${name} holds no key`);
    return keys;
  }

  /** A comma-separated list of ports (at least `min`). */
  ports(name: string, min: number): number[] {
    const raw = this.str(name);
    const ports = raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map(Number);
    if (ports.length < min || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      this.problems.push(`${name} must be a comma-separated list of at least ${min} ports, got "${raw}"`);
      return [];
    }
    return ports;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, fallback?: string): string {
    const v = this.str(name, fallback);
    if (v && !/^https?:\/\/[^\s]+$/.test(v)) this.problems.push(`${name} must be an http(s) URL, got "${v}"`);
    return v.replace(/\/+$/, '');
  }
}

export function readConfig(env: Record<string, string | undefined>): StackConfig {
  const r = new Reader(env);
  const kafkaHost = r.str('KAFKA_HOST', '127.0.0.1');
  const kafkaPort = r.port('KAFKA_PORT');
  const pointsTopic = r.str('POINTS_TOPIC', 'points.events');
  const chHost = r.str('CLICKHOUSE_HOST', '127.0.0.1');
  const chPort = r.port('CLICKHOUSE_HTTP_PORT');
  const chUrl = `http://${chHost}:${chPort}`;
  const topology = r.oneOf('STACK_TOPOLOGY', ['single', 'cluster'] as const, 'single');
  const cluster = topology === 'cluster';
  // cluster (ADR 0012): one server per shard, the first of them the entry server.
  const chNodes = cluster ? r.ports('CLICKHOUSE_CLUSTER_HTTP_PORTS', 1).map((p) => `http://${chHost}:${p}`) : [chUrl];
  if (chNodes.length > 0 && chNodes[0] !== chUrl) {
    r.problems.push(
      `CLICKHOUSE_CLUSTER_HTTP_PORTS must start with CLICKHOUSE_HTTP_PORT (${chPort}), the entry server, got "${env.CLICKHOUSE_CLUSTER_HTTP_PORTS}"`,
    );
  }
  const chCluster = cluster ? r.str('CLICKHOUSE_CLUSTER_NAME', 'ledger') : undefined;
  if (chCluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(chCluster)) {
    r.problems.push(`CLICKHOUSE_CLUSTER_NAME must be a plain name (letters, digits, _), got "${chCluster}"`);
  }
  const brokers = cluster ? r.ports('KAFKA_CLUSTER_PORTS', 3).map((p) => `${kafkaHost}:${p}`) : [`${kafkaHost}:${kafkaPort}`];
  const redisHost = r.str('REDIS_HOST', '127.0.0.1');
  const apiPort = r.port('API_PORT', 18080);
  const mysqlHost = r.str('MYSQL_HOST', '127.0.0.1');
  const mysqlPort = r.port('MYSQL_PORT');
  const shards = cluster ? r.ports('MYSQL_SHARD_PORTS', 1).map((port) => ({ host: mysqlHost, port })) : [{ host: mysqlHost, port: mysqlPort }];
  const config: StackConfig = {
    stackDir: path.resolve(repoRoot, r.str('STACK_DIR', '.stack')),
    topology,
    instance: r.str('INSTANCE_NAME', `${os.hostname()}-${process.pid}`),
    mysql: {
      host: shards[0]?.host ?? mysqlHost,
      port: shards[0]?.port ?? mysqlPort,
      shards,
      database: r.str('MYSQL_DATABASE', 'points'),
      app: { user: r.str('MYSQL_APP_USER'), password: r.str('MYSQL_APP_PASSWORD') },
      migrator: { user: r.str('MYSQL_MIGRATOR_USER'), password: r.str('MYSQL_MIGRATOR_PASSWORD') },
      cdc: { user: r.str('MYSQL_CDC_USER'), password: r.str('MYSQL_CDC_PASSWORD') },
      cdcServerId: r.int('CDC_SERVER_ID', 5401, 1, 4294967295),
    },
    kafka: {
      brokers,
      replicationFactor: cluster ? Math.min(3, brokers.length) : 1,
      minInsyncReplicas: cluster ? Math.min(2, brokers.length) : 1,
      pointsTopic,
      pointsTopicPartitions: r.int('POINTS_TOPIC_PARTITIONS', 6, 1, 1000),
      dlqTopic: r.str('POINTS_DLQ_TOPIC', `${pointsTopic}.dlq`),
      noticesTopic: r.str('NOTICES_TOPIC', 'points.notices'),
    },
    connect: {
      url: r.url('CONNECT_URL', `http://127.0.0.1:${env.CONNECT_PORT ?? ''}`),
      groupId: r.str('CONNECT_GROUP_ID', 'ledger-connect'),
    },
    cdc: { sources: [] },
    pipeline: {
      stalledAfterMs: r.int('PROJECTOR_STALLED_AFTER_MS', 30_000, 1000, 3_600_000),
      sampleIntervalMs: r.int('PIPELINE_SAMPLE_INTERVAL_MS', 2000, 200, 60_000),
      historyMinutes: r.int('PIPELINE_HISTORY_MINUTES', 10, 1, 120),
    },
    registry: { url: r.url('SCHEMA_REGISTRY_URL') },
    redis: {
      host: redisHost,
      port: r.port('REDIS_PORT'),
      clusterNodes: cluster ? r.ports('REDIS_CLUSTER_PORTS', 6).map((port) => ({ host: redisHost, port })) : [],
    },
    clickhouse: {
      url: chUrl,
      nodes: chNodes,
      ...(chCluster === undefined ? {} : { cluster: chCluster }),
      database: r.str('CLICKHOUSE_DATABASE', 'points'),
      writer: { user: r.str('CLICKHOUSE_WRITER_USER'), password: r.str('CLICKHOUSE_WRITER_PASSWORD') },
      analyst: { user: r.str('CLICKHOUSE_ANALYST_USER'), password: r.str('CLICKHOUSE_ANALYST_PASSWORD') },
    },
    projectors: {
      historyLimit: r.int('REDIS_HISTORY_LIMIT', 1000, 1, 100_000),
      partitionsInFlight: r.int('PROJECTOR_PARTITIONS_IN_FLIGHT', 6, 1, 1000),
      fetchMaxBytesPerPartition: r.int('PROJECTOR_FETCH_MAX_BYTES_PER_PARTITION', 2 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      clickhouseFlushMaxEvents: r.int('CLICKHOUSE_FLUSH_MAX_EVENTS', 50_000, 1, 1_000_000),
      clickhouseFlushMinIntervalMs: r.int('CLICKHOUSE_FLUSH_MIN_INTERVAL_MS', 250, 0, 60_000),
    },
    testing: {
      fuzzRuns: r.int('FUZZ_RUNS', 150, 1, 10_000_000),
      screenshots: r.bool('SCREENSHOTS', false),
    },
    api: {
      host: r.str('API_HOST', '127.0.0.1'),
      port: apiPort,
      listenPort: r.port('API_LISTEN_PORT', apiPort),
      keys: r.apiKeys('API_KEYS'),
      rateLimitPerSecond: r.int('API_RATE_LIMIT_PER_SECOND', 5000, 1, 1_000_000),
      logLevel: r.str('LOG_LEVEL', 'info'),
      dbPoolSize: r.int('API_DB_POOL_SIZE', 20, 1, 500),
      idempotencyRetentionDays: r.int('IDEMPOTENCY_RETENTION_DAYS', 7, 1, 3650),
      grantBatches: {
        concurrency: r.int('GRANT_BATCH_WORKER_CONCURRENCY', 8, 0, 64),
        pollMs: r.int('GRANT_BATCH_POLL_MS', 1000, 50, 60_000),
        leaseMs: r.int('GRANT_BATCH_LEASE_MS', 30_000, 1000, 3_600_000),
        chunkRows: r.int('GRANT_BATCH_CHUNK_ROWS', 25, 1, 1000),
      },
    },
  };
  // One outbox connector per shard. The first keeps the single topology's names, so that
  // one shard is exactly today's setup; shard 2 is points-outbox-2 with prefix points-2.
  config.cdc.sources = shards.map((sh, i) => {
    const suffix = i === 0 ? '' : `-${i + 1}`;
    return {
      connector: `points-outbox${suffix}`,
      host: sh.host,
      port: sh.port,
      serverId: config.mysql.cdcServerId + i,
      topicPrefix: `points${suffix}`,
      historyTopic: `points${suffix}.schema-history`,
    };
  });
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

let cached: StackConfig | undefined;

/** The process's configuration: the environment, completed by the repository's .env. */
export function loadConfig(): StackConfig {
  if (!cached) {
    const envFile = path.join(repoRoot, '.env');
    // Read before dotenv, which copies .env's values into process.env.
    const asked = process.env.STACK_TOPOLOGY;
    const fromFile = existsSync(envFile) ? (dotenv.config({ path: envFile, quiet: true }).parsed ?? {}) : {};
    const env: Record<string, string | undefined> = { ...fromFile, ...process.env };
    // The running local stack's topology (written by `make up`, removed by `make down`)
    // counts over .env's, unless the environment names one: tests and tools then talk to
    // what runs.
    if (!asked) {
      const running = path.join(path.resolve(repoRoot, env.STACK_DIR || '.stack'), 'run', 'topology');
      if (existsSync(running)) {
        env.STACK_TOPOLOGY = readFileSync(running, 'utf8').trim();
        // Child processes (a test's `tsx tools/rebuild.ts`) inherit what dotenv copied: the running one.
        process.env.STACK_TOPOLOGY = env.STACK_TOPOLOGY;
      }
    }
    cached = readConfig(env);
  }
  return cached;
}

/** Variables for templates such as connect/*.json: the environment plus .env, as strings. */
export function templateVariables(): Record<string, string> {
  loadConfig();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}
