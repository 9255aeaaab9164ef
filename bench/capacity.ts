/**
 * `make capacity`: a capacity model past this machine, derived (not measured) from the
 * measured CPU per command of each process, the balance queries' rate and the replay
 * rates of the last `make bench` (bench/results/latest.json). For target rates (1k, 10k,
 * 100k commands/s, 100k balance queries/s) it says how many MySQL shards, outbox
 * connectors, Connect workers, API processes, Kafka brokers, partitions, projector
 * instances, Redis masters and ClickHouse shards they need, each number with the
 * assumption behind it.
 * The model (capacityModel, measuredFrom) is pure; the CLI reads the results and writes
 * bench/results/capacity-latest.json and a dated copy (git-ignored).
 * Usage: npx tsx bench/capacity.ts [path/to/latest.json]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../common/src/config.ts';
import { pointEventType } from '../schemas/event-codec.ts';
import { pointEvent, type PointEvent } from '../schemas/point-event.ts';
import { writeResults } from './lib.ts';

/** The processes of the CPU table whose cost the model scales (the load generator is not part of production). */
export const COMPONENTS = ['mariadb', 'kafka', 'connect', 'registry', 'redis', 'clickhouse', 'api', 'projector-redis', 'projector-clickhouse'] as const;
export type Component = (typeof COMPONENTS)[number];

/** What the model reads of a `make bench` summary (bench/results/latest.json). */
export interface BenchSummary {
  at: string;
  topology?: string;
  machine: { cores: number };
  queries_per_s: number;
  raw_redis_ops_per_s: number;
  replay_redis_eps: number;
  replay_clickhouse_eps: number;
  cpu_ms_per_command: { http: Record<string, number>; steady: Record<string, number>; raw?: Record<string, number> };
  /** ms of CPU per balance query by process, if the run measured it (not yet: see bench/README.md). */
  query_cpu_ms_per_query?: Record<string, number>;
}

/** The measured inputs of the model, each with where it comes from. */
export interface Measured {
  at: string;
  topology: string;
  machineCores: number;
  /** ms of CPU per command, by process. */
  cpuMsPerCommand: Record<Component, number>;
  cpuSource: string;
  /** ms of CPU per balance query of the API process and of Redis. */
  queryCpuMs: { api: number; redis: number };
  querySource: { api: string; redis: string };
  /** One projector instance's replay rate, events/s. */
  replayEps: { redis: number; clickhouse: number };
}

export interface Assumptions {
  /** Cores of one production server (a MySQL shard, a broker, a Connect worker, a ClickHouse shard). */
  coresPerServer: number;
  /** The share of a server's (or a process's one core's) CPU planned for steady load. */
  utilisation: number;
  /** Kafka replication factor of points.events. */
  replicationFactor: number;
  /** Bytes of one message of points.events on the wire (key, value, headers, record framing). */
  messageBytes: number;
  messageBytesSource: string;
  /** Events per command of the benchmark's mix. */
  eventsPerCommand: number;
  /** Partitions per projector instance needed, so that instances can be added without repartitioning. */
  partitionHeadroom: number;
  /** What one broker moves, MB/s, writes and reads together (disk and network). Not measured here. */
  brokerMBPerS: number;
  /** Consumer groups reading points.events (the two projectors). */
  consumerGroups: number;
  /** Fewest instances of a stateless kind, so that one may fail (as in the cluster topology). */
  minForFailover: number;
}

export interface Target {
  name: string;
  commandsPerS: number;
  queriesPerS: number;
}

export const TARGETS: Target[] = [
  { name: '1k commands/s', commandsPerS: 1_000, queriesPerS: 0 },
  { name: '10k commands/s', commandsPerS: 10_000, queriesPerS: 0 },
  { name: '100k commands/s', commandsPerS: 100_000, queriesPerS: 0 },
  { name: '100k balance queries/s', commandsPerS: 0, queriesPerS: 100_000 },
];

export interface CapacityRow {
  component: string;
  /** What one instance carries, in words (its ceiling at the target utilisation). */
  perInstance: string;
  /** Instances needed per target, in TARGETS order; null where the target does not touch it. */
  needed: (number | null)[];
  assumption: string;
}

export interface CapacityReport {
  measuredAt: string;
  topology: string;
  measured: Measured;
  assumptions: Assumptions;
  targets: Target[];
  rows: CapacityRow[];
}

/** Bytes of one points.events message beyond its Avro value: the key, the outbox headers, the record framing. Assumed. */
export const MESSAGE_OVERHEAD_BYTES = 120;

/**
 * The average Avro value of the benchmark's mix (60% use with one allocation, 30% grant,
 * 10% cancel with one allocation), encoded with schemas/point-event.avsc and ids as the
 * API makes them (36-character UUIDs), plus the Confluent prefix (5 bytes).
 */
export function avroValueBytes(): number {
  const id = '00000000-0000-4000-8000-000000000000';
  const base = { eventId: id, userId: id, seq: 1234, amount: 100, balanceAfter: 12_345, occurredAt: Date.UTC(2026, 10, 21) };
  const grant = pointEvent({ ...base, type: 'POINTS_GRANTED', grantId: id, expiresAt: Date.UTC(2027, 10, 21), reason: 'bench' });
  const use = pointEvent({ ...base, type: 'POINTS_USED', useId: id, allocations: [{ grantId: id, amount: 100 }] });
  const cancel = pointEvent({
    ...base,
    type: 'POINTS_USE_CANCELED',
    useId: id,
    cancellationId: id,
    allocations: [{ grantId: id, amount: 100 }],
    reason: 'bench',
  });
  const size = (e: PointEvent) => 5 + pointEventType.toBuffer(e).length;
  return Math.round(0.6 * size(use) + 0.3 * size(grant) + 0.1 * size(cancel));
}

export function defaultAssumptions(valueBytes: number = avroValueBytes()): Assumptions {
  return {
    coresPerServer: 8,
    utilisation: 0.6,
    replicationFactor: 3,
    messageBytes: valueBytes + MESSAGE_OVERHEAD_BYTES,
    messageBytesSource: `${valueBytes} of Avro value (the mix encoded with schemas/point-event.avsc, UUID ids), ${MESSAGE_OVERHEAD_BYTES} of key, outbox headers and record framing (assumed)`,
    eventsPerCommand: 1,
    partitionHeadroom: 2,
    brokerMBPerS: 100,
    consumerGroups: 2,
    minForFailover: 2,
  };
}

/**
 * The model's inputs from a `make bench` summary. CPU per command: for each process the
 * higher of the HTTP closed-loop run and the steady run (in the closed loop the
 * projectors fall behind and show less; in the steady run MariaDB and the API show less).
 */
export function measuredFrom(s: BenchSummary): Measured {
  const { http, steady } = s.cpu_ms_per_command ?? {};
  if (!http || !steady) throw new Error('the results have no cpu_ms_per_command.http / .steady (the CPU table of make bench)');
  const cpu = {} as Record<Component, number>;
  // In the cluster topology a component runs as instances (mariadb-1, mariadb-2, ...): a command's CPU is their sum.
  const of = (r: Record<string, number>, c: string) => {
    const parts = Object.entries(r).filter(([k]) => k === c || new RegExp(`^${c}-\\d+$`).test(k));
    return parts.length ? parts.reduce((a, [, v]) => a + v, 0) : Number.NaN;
  };
  for (const c of COMPONENTS) {
    const v = Math.max(of(http, c), of(steady, c));
    if (!Number.isFinite(v)) throw new Error(`the results have no CPU per command for ${c}`);
    cpu[c] = v;
  }
  for (const k of ['queries_per_s', 'raw_redis_ops_per_s', 'replay_redis_eps', 'replay_clickhouse_eps'] as const) {
    if (!(Number(s[k]) > 0)) throw new Error(`the results have no ${k}`);
  }
  const cores = s.machine?.cores ?? 0;
  const q = s.query_cpu_ms_per_query;
  const measuredQuery = q && Number(q.api) > 0 && Number(q.redis) > 0;
  return {
    at: s.at,
    topology: s.topology ?? 'single',
    machineCores: cores,
    cpuMsPerCommand: cpu,
    cpuSource: `ms of CPU per command by process (/proc), make bench of ${s.at}: the higher of the HTTP closed-loop and the steady (freshness) run`,
    queryCpuMs: measuredQuery ? { api: Number(q.api), redis: Number(q.redis) } : { api: (cores * 1000) / s.queries_per_s, redis: 1000 / s.raw_redis_ops_per_s },
    querySource: measuredQuery
      ? { api: 'measured per process (query_cpu_ms_per_query)', redis: 'measured per process (query_cpu_ms_per_query)' }
      : {
          api: `not measured per process: the whole machine's ${cores} cores ÷ ${round(s.queries_per_s)} queries/s, load generator and Redis included, an upper bound`,
          redis: `not measured per process: one core ÷ ${round(s.raw_redis_ops_per_s)} balance scripts/s through redis-benchmark, Redis running a script on one thread`,
        },
    replayEps: { redis: s.replay_redis_eps, clickhouse: s.replay_clickhouse_eps },
  };
}

/** Instances for `load` (ms of CPU per second) at `capacity` ms per second each; null when there is no load. */
function instances(load: number, capacity: number, floor = 1): number | null {
  if (load <= 0) return null;
  return Math.max(floor, Math.ceil(load / capacity - 1e-9));
}

const round = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => `${Number(v.toFixed(3))} ms`;
const pct = (v: number) => `${Math.round(v * 100)}%`;

export function capacityModel(m: Measured, a: Assumptions = defaultAssumptions(), targets: Target[] = TARGETS): CapacityReport {
  const cpu = m.cpuMsPerCommand;
  const server = a.coresPerServer * 1000 * a.utilisation; // ms of CPU per second, one server
  const core = 1000 * a.utilisation; // ms of CPU per second, one single-threaded process
  const at = `${pct(a.utilisation)} of`;
  const per = (f: (t: Target) => number | null) => targets.map(f);

  // A shard carries what its MariaDB and its one outbox connector task both can.
  const shardCeiling = server / cpu.mariadb;
  const taskCeiling = core / cpu.connect;
  const shardRate = Math.min(shardCeiling, taskCeiling);
  const shards = (t: Target) => (t.commandsPerS > 0 ? Math.ceil(t.commandsPerS / shardRate - 1e-9) : null);

  const projector = (kind: 'redis' | 'clickhouse') => {
    const c = cpu[`projector-${kind}`];
    return (t: Target) => {
      const events = t.commandsPerS * a.eventsPerCommand;
      const byCpu = instances(t.commandsPerS * c, core, a.minForFailover);
      const byReplay = instances(events, m.replayEps[kind] * a.utilisation, a.minForFailover);
      return byCpu === null || byReplay === null ? null : Math.max(byCpu, byReplay);
    };
  };
  const projRedis = projector('redis');
  const projClickHouse = projector('clickhouse');

  // Bytes every broker of the cluster together writes and reads per byte produced: RF
  // copies written, RF - 1 follower fetches read, each consumer group's read.
  const trafficFactor = a.replicationFactor + (a.replicationFactor - 1) + a.consumerGroups;
  const brokerBytes = a.brokerMBPerS * 1e6 * a.utilisation;
  const brokers = (t: Target) => {
    if (t.commandsPerS <= 0) return null;
    const byCpu = instances(t.commandsPerS * cpu.kafka * a.replicationFactor, server, a.replicationFactor)!;
    const byBytes = instances(t.commandsPerS * a.eventsPerCommand * a.messageBytes * trafficFactor, brokerBytes, a.replicationFactor)!;
    return Math.max(byCpu, byBytes);
  };

  const rows: CapacityRow[] = [
    {
      component: 'MySQL shards (MariaDB servers)',
      perInstance: `${round(shardRate)} commands/s`,
      needed: per(shards),
      assumption:
        `${a.coresPerServer} cores × 1000 ms × ${pct(a.utilisation)} ÷ ${ms(cpu.mariadb)} of MariaDB CPU per command = ${round(shardCeiling)}/s` +
        (taskCeiling < shardCeiling ? `, capped by its outbox connector task at ${round(taskCeiling)}/s` : '') +
        `; MariaDB scales linearly to ${a.coresPerServer} cores and the binlog fsync (sync_binlog=1, group commit) is not the limit (measured on ${m.machineCores} shared cores only); users spread evenly over shards (fnv1a32); no replicas counted`,
    },
    {
      component: 'outbox connectors (Connect tasks)',
      perInstance: `${round(taskCeiling)} commands/s`,
      needed: per(shards),
      assumption: `one connector per shard, one task each (Debezium reads a binlog on one task); a task ≈ one core: 1000 ms × ${pct(a.utilisation)} ÷ ${ms(cpu.connect)} of Connect CPU per command`,
    },
    {
      component: 'Connect workers',
      perInstance: `${round(server / cpu.connect)} commands/s`,
      needed: per((t) => instances(t.commandsPerS * cpu.connect, server, a.minForFailover)),
      assumption: `${a.coresPerServer} cores × ${at} 1000 ms ÷ ${ms(cpu.connect)} per command; at least ${a.minForFailover} so that a dead worker's tasks move`,
    },
    {
      component: 'API processes',
      perInstance: `${round(core / cpu.api)} commands/s or ${round(core / m.queryCpuMs.api)} balance queries/s`,
      needed: per((t) => instances(t.commandsPerS * cpu.api + t.queriesPerS * m.queryCpuMs.api, core, a.minForFailover)),
      assumption:
        `one Node process ≈ one core (${a.coresPerServer} per server): 1000 ms × ${pct(a.utilisation)} ÷ ${ms(cpu.api)} per command, or ÷ ${ms(m.queryCpuMs.api)} per query (${m.querySource.api}); ` +
        `at least ${a.minForFailover} behind the load balancer`,
    },
    {
      component: 'Kafka brokers',
      perInstance: `${round(server / (cpu.kafka * a.replicationFactor))} commands/s by CPU, ${round(brokerBytes / (a.eventsPerCommand * a.messageBytes * trafficFactor))} by bytes`,
      needed: per(brokers),
      assumption:
        `CPU: ${ms(cpu.kafka)} per command measured on one broker without replication, × ${a.replicationFactor} (RF ${a.replicationFactor}: every copy costs a broker as much; assumed), on ${a.coresPerServer} cores at ${pct(a.utilisation)}; ` +
        `bytes: ${a.eventsPerCommand} event per command × ${a.messageBytes} bytes (${a.messageBytesSource}) × ${trafficFactor} (${a.replicationFactor} copies written, ${a.replicationFactor - 1} follower reads, ${a.consumerGroups} consumer groups), ` +
        `${a.brokerMBPerS} MB/s per broker at ${pct(a.utilisation)} (assumed, not measured); at least RF ${a.replicationFactor}`,
    },
    {
      component: 'points.events partitions',
      perInstance: `${a.partitionHeadroom} per projector instance`,
      needed: per((t) => {
        const r = projRedis(t);
        const c = projClickHouse(t);
        return r === null || c === null ? null : Math.max(r, c) * a.partitionHeadroom;
      }),
      assumption: `a partition is read by one instance of a group: partitions ≥ the larger projector group, × ${a.partitionHeadroom} headroom (partitions cannot be added later without moving users to other partitions)`,
    },
    {
      component: 'projector-redis instances',
      perInstance: `${round(core / cpu['projector-redis'])} commands/s by live CPU, ${round(m.replayEps.redis * a.utilisation)} by replay rate`,
      needed: per(projRedis),
      assumption:
        `one Node process ≈ one core; the larger of: 1000 ms × ${pct(a.utilisation)} ÷ ${ms(cpu['projector-redis'])} per command (live, small batches: pessimistic at high rates) ` +
        `and ${pct(a.utilisation)} of one instance's measured replay (${round(m.replayEps.redis)} events/s, full batches: optimistic); at least ${a.minForFailover}`,
    },
    {
      component: 'projector-clickhouse instances',
      perInstance: `${round(core / cpu['projector-clickhouse'])} commands/s by live CPU, ${round(m.replayEps.clickhouse * a.utilisation)} by replay rate`,
      needed: per(projClickHouse),
      assumption:
        `as projector-redis: ${ms(cpu['projector-clickhouse'])} per command live, ${round(m.replayEps.clickhouse)} events/s replay; ` +
        `at least ${a.minForFailover}`,
    },
    {
      component: 'Redis masters',
      perInstance: `${round(core / cpu.redis)} commands/s or ${round(core / m.queryCpuMs.redis)} balance queries/s`,
      needed: per((t) => instances(t.commandsPerS * cpu.redis + t.queriesPerS * m.queryCpuMs.redis, core)),
      assumption:
        `Redis runs commands on one thread: 1000 ms × ${pct(a.utilisation)} ÷ ${ms(cpu.redis)} per command (all of Redis's CPU during the run) or ÷ ${ms(m.queryCpuMs.redis)} per query ` +
        `(${m.querySource.redis}); users spread evenly over hash slots; one replica per master not counted (Redis Cluster wants 3 masters or more)`,
    },
    {
      component: 'schema registry instances',
      perInstance: `${round(server / Math.max(cpu.registry, 1e-6))} commands/s`,
      needed: per((t) => instances(t.commandsPerS * cpu.registry, server, a.minForFailover)),
      assumption: `${ms(cpu.registry)} per command (the projectors cache schemas by id); at least ${a.minForFailover}`,
    },
    {
      component: 'ClickHouse shards',
      perInstance: `${round(server / cpu.clickhouse)} commands/s`,
      needed: per((t) => instances(t.commandsPerS * cpu.clickhouse, server)),
      assumption: `${a.coresPerServer} cores × ${at} 1000 ms ÷ ${ms(cpu.clickhouse)} of ClickHouse CPU per command (inserts and merges only: analytics queries not modelled); no replicas counted`,
    },
  ];
  return { measuredAt: m.at, topology: m.topology, measured: m, assumptions: a, targets, rows };
}

/** The table as Markdown (BENCHMARKS.md, and the CLI's output). */
export function capacityTable(r: CapacityReport): string {
  const cell = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
  return [
    `| component | one instance carries | ${r.targets.map((t) => t.name).join(' | ')} | assumption |`,
    `|---|---|${r.targets.map(() => '---').join('|')}|---|`,
    ...r.rows.map((row) => `| ${row.component} | ${row.perInstance} | ${row.needed.map(cell).join(' | ')} | ${row.assumption} |`),
  ].join('\n');
}

/** BENCHMARKS.md's section "Capacity past this machine". */
export function capacityMd(r: CapacityReport): string {
  const a = r.assumptions;
  const m = r.measured;
  return `## Capacity past this machine

Derived, not measured: \`bench/capacity.ts\` (\`make capacity\`, and at the end of \`make bench\`)
scales the ${r.topology} topology's CPU per command of each process (the CPU table above: per
process the higher of the HTTP and the steady run), the balance queries' rate and the
replay rates of ${r.measuredAt} to rates this machine cannot reach. Each row's last
column says what its number rests on.

${capacityTable(r)}

Assumptions (parameters of \`capacityModel\`, with their defaults here):
- a server has ${a.coresPerServer} cores and is planned at ${pct(a.utilisation)} of its CPU; a Node process (API,
  projector), a Redis master and a Connect task count as one core each;
- MariaDB, Kafka and ClickHouse scale linearly from the ${m.machineCores} shared cores they were measured
  on to ${a.coresPerServer}, and users spread evenly over shards, partitions and hash slots;
- Kafka: replication factor ${a.replicationFactor}, each copy costing a broker the CPU measured for one;
  ${a.brokerMBPerS} MB/s written and read per broker; a message of ${a.messageBytes} bytes: ${a.messageBytesSource};
  ${a.eventsPerCommand} event per command (each command of the mix writes one);
- ${a.partitionHeadroom} partitions per projector instance; at least ${a.minForFailover} of each stateless kind; no replicas of
  MariaDB, Redis or ClickHouse counted;
- balance queries: the API's CPU per query is ${m.querySource.api}; Redis's is
  ${m.querySource.redis}.
`;
}

/** The CLI's text: the table and where its inputs came from. */
export function capacityText(r: CapacityReport): string {
  return `capacity model from the make bench run of ${r.measuredAt} (${r.topology} topology, ${r.measured.machineCores} cores)\n${capacityTable(r)}\n`;
}

/** Reads a summary, runs the model, prints it and writes capacity-latest.json (and a dated copy). */
export function capacityFromFile(file: string): CapacityReport {
  const report = capacityModel(measuredFrom(JSON.parse(readFileSync(file, 'utf8')) as BenchSummary));
  process.stdout.write(capacityText(report));
  const dated = writeResults('capacity', report);
  console.log(`[capacity] bench/results/capacity-latest.json and ${path.relative(repoRoot, dated)}`);
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = path.resolve(process.argv[2] ?? path.join(repoRoot, 'bench/results/latest.json'));
  if (!existsSync(file)) {
    const shown = path.relative(repoRoot, file).startsWith('..') ? file : path.relative(repoRoot, file);
    console.error(`[capacity] no ${shown}: the model reads the figures of a make bench run (bench/results/ is git-ignored: a fresh clone has none).`);
    console.error(
      '[capacity] run `make bench` against the running stack (`make up` first), then `make capacity`; or give a results file: npx tsx bench/capacity.ts <path>',
    );
    process.exit(1);
  }
  capacityFromFile(file);
}
