import { describe, expect, it } from 'vitest';
import {
  type Assumptions,
  avroValueBytes,
  type BenchSummary,
  COMPONENTS,
  capacityMd,
  capacityModel,
  capacityTable,
  defaultAssumptions,
  measuredFrom,
  TARGETS,
} from './capacity.ts';

/** Round figures, so that every expected number can be worked out by hand. */
function summary(over: Partial<BenchSummary> = {}): BenchSummary {
  const cpu = {
    mariadb: 1,
    kafka: 0.1,
    connect: 0.1,
    registry: 0.001,
    redis: 0.05,
    clickhouse: 0.1,
    api: 0.5,
    'projector-redis': 0.1,
    'projector-clickhouse': 0.1,
  };
  return {
    at: '2026-11-21T23:28:23.441Z',
    machine: { cores: 2 },
    queries_per_s: 10_000,
    raw_redis_ops_per_s: 50_000,
    replay_redis_eps: 20_000,
    replay_clickhouse_eps: 40_000,
    cpu_ms_per_command: { http: { ...cpu, 'load generator': 9 }, steady: { ...cpu, mariadb: 0.8, 'projector-redis': 0.2 } },
    ...over,
  };
}

const assumptions: Assumptions = { ...defaultAssumptions(180), coresPerServer: 8, utilisation: 0.5 };
const row = (name: string) => {
  const r = capacityModel(measuredFrom(summary()), assumptions).rows.find((x) => x.component.startsWith(name));
  if (!r) throw new Error(`no row ${name}`);
  return r;
};

describe('measuredFrom', () => {
  it('takes per process the higher of the HTTP and the steady run, and leaves the load generator out', () => {
    const m = measuredFrom(summary());
    expect(m.cpuMsPerCommand.mariadb).toBe(1);
    expect(m.cpuMsPerCommand['projector-redis']).toBe(0.2);
    expect(Object.keys(m.cpuMsPerCommand).sort()).toEqual([...COMPONENTS].sort());
  });

  it('without a measured query CPU charges the whole machine to the API and one core to Redis, and says so', () => {
    const m = measuredFrom(summary());
    expect(m.queryCpuMs.api).toBeCloseTo(0.2); // 2 cores × 1000 ms ÷ 10,000/s
    expect(m.queryCpuMs.redis).toBeCloseTo(0.02); // 1000 ms ÷ 50,000/s
    expect(m.querySource.api).toMatch(/not measured/);
  });

  it('uses the measured query CPU when the results have it', () => {
    const m = measuredFrom(summary({ query_cpu_ms_per_query: { api: 0.08, redis: 0.01 } }));
    expect(m.queryCpuMs).toEqual({ api: 0.08, redis: 0.01 });
    expect(m.querySource.api).toMatch(/measured per process/);
  });

  it('records the topology, single for results from before the field', () => {
    expect(measuredFrom(summary()).topology).toBe('single');
    expect(measuredFrom(summary({ topology: 'cluster' })).topology).toBe('cluster');
  });

  it('refuses results without the CPU table or a rate, naming what is missing', () => {
    expect(() => measuredFrom({ ...summary(), cpu_ms_per_command: undefined } as unknown as BenchSummary)).toThrow(/cpu_ms_per_command/);
    const { api: _api, ...noApi } = summary().cpu_ms_per_command.http;
    expect(() => measuredFrom(summary({ cpu_ms_per_command: { http: noApi, steady: noApi } }))).toThrow(/api/);
    expect(() => measuredFrom(summary({ replay_redis_eps: 0 }))).toThrow(/replay_redis_eps/);
  });
});

describe('capacityModel', () => {
  it('gives one number per target for every row, and an assumption for each', () => {
    const r = capacityModel(measuredFrom(summary()), assumptions);
    expect(r.targets.map((t) => t.name)).toEqual(['1k commands/s', '10k commands/s', '100k commands/s', '100k balance queries/s']);
    for (const x of r.rows) {
      expect(x.needed).toHaveLength(TARGETS.length);
      expect(x.assumption.length).toBeGreaterThan(20);
    }
  });

  it('MySQL shards: cores × 1000 ms × utilisation ÷ MariaDB ms per command', () => {
    // 8 × 1000 × 0.5 ÷ 1 ms = 4,000/s a shard; a Connect task: 1000 × 0.5 ÷ 0.1 = 5,000/s (not the limit)
    expect(row('MySQL shards').needed).toEqual([1, 3, 25, null]);
    expect(row('outbox connectors').needed).toEqual([1, 3, 25, null]);
  });

  it('a shard is capped by its one outbox connector task when that is lower', () => {
    const s = summary();
    s.cpu_ms_per_command.http.connect = 0.25; // a task: 1000 × 0.5 ÷ 0.25 = 2,000/s < 4,000/s
    const r = capacityModel(measuredFrom(s), assumptions);
    expect(r.rows[0]!.needed).toEqual([1, 5, 50, null]);
    expect(r.rows[0]!.assumption).toMatch(/capped by its outbox connector task at 2,000/);
  });

  it('API processes: one core each, commands and queries, at least two', () => {
    // commands: 1000 × 0.5 ÷ 0.5 ms = 1,000/s a process; queries: 500 ÷ 0.2 ms = 2,500/s
    expect(row('API processes').needed).toEqual([2, 10, 100, 40]);
  });

  it('Kafka brokers: the larger of CPU × replication factor and bytes, never fewer than the replication factor', () => {
    // CPU: 100k × 0.1 ms × 3 = 30,000 ms/s ÷ (8 × 1000 × 0.5) = 7.5 → 8
    // bytes: 100k × 300 bytes (180 + 120) × 7 = 210 MB/s ÷ (100 MB/s × 0.5) = 4.2 → 5
    expect(row('Kafka brokers').needed).toEqual([3, 3, 8, null]);
    const bytesBound = capacityModel(measuredFrom(summary()), { ...assumptions, brokerMBPerS: 20 }).rows.find((x) => x.component === 'Kafka brokers')!;
    expect(bytesBound.needed[2]).toBe(21); // 210 ÷ 10
  });

  it('projectors: the larger of live CPU and the replay rate, at least two; partitions are the larger group × headroom', () => {
    // redis: CPU 100k × 0.2 ms ÷ 500 = 40; replay 100k ÷ (20,000 × 0.5) = 10 → 40
    // clickhouse: CPU 100k × 0.1 ÷ 500 = 20; replay 100k ÷ 20,000 = 5 → 20
    expect(row('projector-redis').needed).toEqual([2, 4, 40, null]);
    expect(row('projector-clickhouse').needed).toEqual([2, 2, 20, null]);
    expect(row('points.events partitions').needed).toEqual([4, 8, 80, null]);
    const replayBound = capacityModel(measuredFrom(summary({ replay_redis_eps: 1_000 })), assumptions).rows.find((x) =>
      x.component.startsWith('projector-redis'),
    )!;
    expect(replayBound.needed[1]).toBe(20); // 10k ÷ (1,000 × 0.5)
  });

  it('Redis masters: one thread each, command applies and queries', () => {
    // commands: 100k × 0.05 ms ÷ 500 = 10; queries: 100k × 0.02 ms ÷ 500 = 4
    expect(row('Redis masters').needed).toEqual([1, 1, 10, 4]);
  });

  it('ClickHouse shards and Connect workers from their CPU per command', () => {
    expect(row('ClickHouse shards').needed).toEqual([1, 1, 3, null]); // 10,000 ms/s ÷ 4,000
    expect(row('Connect workers').needed).toEqual([2, 2, 3, null]); // at least 2; 10,000 ÷ 4,000 → 3
  });

  it('scales with the cores per server until one connector task per shard is the limit', () => {
    const r = capacityModel(measuredFrom(summary()), { ...assumptions, coresPerServer: 16 });
    // MariaDB alone: 100k ÷ 8,000 → 13 shards; but a task carries 5,000/s (one core) → 20
    expect(r.rows[0]!.needed[2]).toBe(20);
    const s = summary();
    s.cpu_ms_per_command.http.connect = 0.05; // a task: 10,000/s
    s.cpu_ms_per_command.steady.connect = 0.05;
    expect(capacityModel(measuredFrom(s), { ...assumptions, coresPerServer: 16 }).rows[0]!.needed[2]).toBe(13);
  });
});

describe('event size', () => {
  it('the mix encoded with the Avro schema is about 200 bytes', () => {
    const b = avroValueBytes();
    expect(b).toBeGreaterThan(100);
    expect(b).toBeLessThan(300);
    expect(defaultAssumptions(b).messageBytes).toBeGreaterThan(b);
  });
});

describe('rendering', () => {
  it('a Markdown table with a column per target and the section BENCHMARKS.md shows', () => {
    const r = capacityModel(measuredFrom(summary()), assumptions);
    const table = capacityTable(r).split('\n');
    expect(table[0]).toBe('| component | one instance carries | 1k commands/s | 10k commands/s | 100k commands/s | 100k balance queries/s | assumption |');
    expect(table).toHaveLength(2 + r.rows.length);
    expect(table.find((l) => l.startsWith('| MySQL shards'))).toContain('| 1 | 3 | 25 | – |');
    const md = capacityMd(r);
    expect(md.startsWith('## Capacity past this machine\n')).toBe(true);
    expect(md).toContain('Derived, not measured');
  });
});
