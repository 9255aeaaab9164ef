/**
 * The pipeline, stage by stage, sampled every PIPELINE_SAMPLE_INTERVAL_MS: where each
 * outbox connector is in its database's binlog (bytes and milliseconds behind), each
 * projector group's lag behind points.events, and the end-to-end freshness. Serves
 * GET /v1/pipeline/status (a fresh sample), /v1/pipeline/history (the last
 * PIPELINE_HISTORY_MINUTES) and the Prometheus gauges.
 *
 * Milliseconds behind are estimated from the history of samples: the write a stage has
 * not yet passed reached the stage before at the time the earlier stage's position
 * passed it, interpolated between the two samples around it (exact to about one sample
 * interval; before the first sample the age is at least the history's length).
 *
 * Freshness of a projector: with lag, the age of the oldest message it has not applied
 * (now minus the time it reached the topic); without lag, commit-to-applied of the last
 * event it applied. End to end: the oldest of those and the CDC stage's age.
 *
 * Projectors run as several instances of one consumer group: each instance's status
 * (projectors/shared/status.ts) with the group's members (who holds which partitions)
 * gives every instance's state and the projector's (projector-state.ts).
 */
import type { RedisClient } from '../../../common/src/redis.ts';
import { AssignerProtocol, Kafka, logLevel, type Admin, type GroupDescription } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { StackConfig } from '../../../common/src/config.ts';
import { binlogOrdinal, CdcMonitor } from '../../../common/src/cdc-position.ts';
import { ConnectClient } from '../../../common/src/connect-client.ts';
import { groupLag } from '../../../common/src/kafka-lag.ts';
import { PROJECTORS } from '../../../common/src/projector-groups.ts';
import type { PipelineStatus } from '../../../schemas/http-answers.ts';
import { instanceOfClientId, readProjectorStatuses } from '../../../projectors/shared/status.ts';
import { instancesOf, projectorFigures, projectorState, stuckPartitions, type GroupMember } from './projector-state.ts';

/** One connector and one projector as the pipeline status answers them (schemas/http-answers.ts). */
export type ConnectorSample = PipelineStatus['connectors'][number];

const RESTART_EVERY_MS = 10_000;
export type ProjectorSample = PipelineStatus['projectors'][number];

export interface PipelineSample {
  at: number;
  connectors: ConnectorSample[];
  kafka: { reachable: boolean; topic?: string; partitions?: number; messages?: number; error?: string };
  /** End offset per partition of points.events (for the history's estimates). */
  ends: number[];
  projectors: ProjectorSample[];
  freshnessMs: number | null;
  deadLetter: { topic: string; messages: number | null };
}

export interface HistoryPoint {
  at: string;
  cdcBytesBehind: number | null;
  cdcMsBehind: number | null;
  projectorLag: Record<string, number | null>;
  projectorInstancesRunning: Record<string, number>;
  freshnessMs: number | null;
}

/**
 * When `value` first exceeded `target` in the history (interpolated); undefined when it
 * never did in the samples kept (the caller then knows only "before the first sample").
 */
export function passedAt(history: { at: number; value: number | null }[], target: number): number | undefined {
  let prev: { at: number; value: number } | undefined;
  for (const h of history) {
    if (h.value === null) continue;
    if (h.value > target) {
      if (!prev) return undefined;
      const span = h.value - prev.value;
      return span <= 0 ? h.at : prev.at + ((target - prev.value) / span) * (h.at - prev.at);
    }
    prev = { at: h.at, value: h.value };
  }
  return undefined;
}

export class PipelineMonitor {
  private readonly history: PipelineSample[] = [];
  private readonly kafka: Kafka;
  private admin?: Admin;
  private readonly cdc: CdcMonitor;
  private readonly connect: ConnectClient;
  /** When each connector was last restarted for a FAILED task (at most one restart per RESTART_EVERY_MS). */
  private readonly restartedAt = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<PipelineSample>;
  private readonly gauges?: Record<string, Gauge>;
  /** The (projector, instance) label sets of the per-instance gauges at the last sample: a forgotten instance's are removed. */
  private instanceLabels = new Map<string, Record<string, string>>();

  constructor(
    private readonly config: StackConfig,
    private readonly redis: RedisClient,
    private readonly log: FastifyBaseLogger,
    registry?: Registry,
  ) {
    this.kafka = new Kafka({ clientId: 'api-pipeline-status', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    this.cdc = new CdcMonitor(config, 3000);
    this.connect = new ConnectClient(config.connect.url, 3000);
    if (registry) {
      const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
      this.gauges = {
        cdcBytes: g('ledger_cdc_binlog_bytes_behind', 'Binlog bytes an outbox connector has not yet committed as read', ['connector']),
        cdcMs: g('ledger_cdc_ms_behind_source', 'Age of the oldest write an outbox connector has not yet streamed (ms)', ['connector']),
        cdcRunning: g('ledger_cdc_connector_running', '1 when the connector and all its tasks are RUNNING', ['connector']),
        lag: g('ledger_projector_lag_messages', 'Messages of points.events a projector group has not committed', ['projector']),
        freshness: g('ledger_projector_freshness_ms', 'Age of the oldest event a projector has not applied, or commit-to-applied of its last one (ms)', [
          'projector',
        ]),
        statusAge: g('ledger_projector_status_age_ms', 'Age of the freshest status any instance of a projector published (ms)', ['projector']),
        instanceStatusAge: g('ledger_projector_instance_status_age_ms', 'Age of the status a projector instance last published (ms)', [
          'projector',
          'instance',
        ]),
        instanceRunning: g('ledger_projector_instance_running', '1 when a projector instance published its status within PROJECTOR_STALLED_AFTER_MS', [
          'projector',
          'instance',
        ]),
        instancePartitions: g('ledger_projector_instance_partitions', 'Partitions of points.events assigned to a projector instance (0: not a group member)', [
          'projector',
          'instance',
        ]),
        e2e: g('ledger_pipeline_freshness_ms', 'End-to-end freshness: age of the oldest committed event not yet in every read model (ms)'),
      };
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.sample().catch((e) => this.log.warn({ err: e }, 'pipeline sample failed'));
    }, this.config.pipeline.sampleIntervalMs);
    this.timer.unref();
    void this.sample().catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.cdc.close();
  }

  /** The latest sample if it is younger than half an interval, else a fresh one. */
  async current(): Promise<PipelineSample> {
    const last = this.history[this.history.length - 1];
    if (last && Date.now() - last.at < Math.min(1000, this.config.pipeline.sampleIntervalMs / 2)) return last;
    return this.sample();
  }

  historyPoints(): { intervalMs: number; points: HistoryPoint[] } {
    return {
      intervalMs: this.config.pipeline.sampleIntervalMs,
      points: this.history.map((s) => ({
        at: new Date(s.at).toISOString(),
        cdcBytesBehind: sumOrNull(s.connectors.map((c) => c.bytesBehind)),
        cdcMsBehind: maxOrNull(s.connectors.map((c) => c.msBehind)),
        projectorLag: Object.fromEntries(s.projectors.map((p) => [p.name, p.lag])),
        projectorInstancesRunning: Object.fromEntries(s.projectors.map((p) => [p.name, p.instances.filter((i) => i.state === 'running').length])),
        freshnessMs: s.freshnessMs,
      })),
    };
  }

  /**
   * A connector task that failed (e.g. it started while its database was down: Debezium
   * does not retry "Error reading MySQL variables") stays FAILED until restarted. Nothing
   * else would restart it, so the monitor does, loudly, at most every RESTART_EVERY_MS;
   * restarting only failed tasks, so two API instances doing it at once is harmless.
   */
  private restartFailed(connectors: ConnectorSample[], now: number): void {
    for (const c of connectors) {
      if (c.state !== 'FAILED' && !c.tasks.some((t) => t.state === 'FAILED')) continue;
      if (now - (this.restartedAt.get(c.name) ?? 0) < RESTART_EVERY_MS) continue;
      this.restartedAt.set(c.name, now);
      this.log.warn({ connector: c.name, state: c.state, tasks: c.tasks }, 'pipeline monitor: connector task FAILED, restarting it');
      this.connect.restart(c.name).catch((e: unknown) => this.log.error({ connector: c.name, err: e }, 'pipeline monitor: connector restart failed'));
    }
  }

  /** One sample, shared by callers that ask at the same time. */
  sample(): Promise<PipelineSample> {
    this.inFlight ??= this.takeSample().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const a = this.kafka.admin();
      await a.connect();
      this.admin = a;
    }
    return this.admin;
  }

  private async takeSample(): Promise<PipelineSample> {
    const { config } = this;
    const now = Date.now();
    const lags = await this.cdc.lag();
    const connectors: ConnectorSample[] = lags.map((l) => ({
      name: l.connector,
      state: l.state,
      tasks: l.tasks,
      database: l.database,
      connectorAt: l.connectorAt,
      bytesBehind: l.bytesBehind,
      msBehind: null,
      ...(l.error ? { error: l.error } : {}),
    }));
    this.restartFailed(connectors, now);

    let kafka: PipelineSample['kafka'] = { reachable: false };
    let ends: number[] = [];
    let dlqMessages: number | null = null;
    let admin: Admin | undefined;
    try {
      admin = await this.getAdmin();
      const offsets = await admin.fetchTopicOffsets(config.kafka.pointsTopic);
      ends = offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
      dlqMessages = (await admin.fetchTopicOffsets(config.kafka.dlqTopic)).reduce((s, o) => s + Number(BigInt(o.high) - BigInt(o.low)), 0);
      kafka = { reachable: true, topic: config.kafka.pointsTopic, partitions: ends.length, messages: ends.reduce((s, v) => s + v, 0) };
    } catch (e) {
      kafka = { reachable: false, error: (e as Error).message };
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
      admin = undefined;
    }
    const endMap = new Map(ends.map((v, p) => [p, v]));
    const groups = admin ? await this.groupMembers(admin) : null;
    const projectors = await Promise.all(
      PROJECTORS.map(async (p): Promise<ProjectorSample> => {
        const lag = admin ? await groupLag(admin, p.groupId, config.kafka.pointsTopic, endMap).catch(() => null) : null;
        const statuses = await readProjectorStatuses(this.redis, p.name).catch(() => ({ totals: null, instances: [] }));
        const members = groups?.get(p.groupId)?.map((m) => ({ ...m, instance: instanceOfClientId(p.name, m.clientId) })) ?? null;
        const instances = instancesOf(statuses, members, now, config.pipeline.stalledAfterMs);
        const stuck = lag
          ? stuckPartitions(
              this.history.map((h) => ({ at: h.at, partitions: h.projectors.find((x) => x.name === p.name)?.partitions ?? [] })),
              { at: now, partitions: lag.partitions },
              config.pipeline.stalledAfterMs,
            )
          : [];
        const { state, stateReason } = projectorState(instances, stuck, statuses.totals, now, config.pipeline.stalledAfterMs);
        return {
          name: p.name,
          groupId: p.groupId,
          state,
          ...(stateReason ? { stateReason } : {}),
          lag: lag?.lag ?? null,
          partitions: lag?.partitions ?? [],
          ...projectorFigures(statuses, now),
          instances,
        };
      }),
    );
    const sample: PipelineSample = {
      at: now,
      connectors,
      kafka,
      ends,
      projectors,
      freshnessMs: null,
      deadLetter: { topic: config.kafka.dlqTopic, messages: dlqMessages },
    };
    this.estimateAges(sample);
    this.history.push(sample);
    const keepFrom = now - config.pipeline.historyMinutes * 60_000;
    while (this.history.length > 0 && this.history[0]!.at < keepFrom) this.history.shift();
    this.publishGauges(sample);
    return sample;
  }

  /**
   * The members of every projector group with their partitions of points.events (client
   * ids name the instances); null when the groups cannot be described.
   */
  private async groupMembers(admin: Admin): Promise<Map<string, Omit<GroupMember, 'instance'>[]> | null> {
    let groups: GroupDescription[];
    try {
      groups = (await admin.describeGroups(PROJECTORS.map((p) => p.groupId))).groups;
    } catch {
      return null;
    }
    const topic = this.config.kafka.pointsTopic;
    return new Map(
      groups.map((g) => [
        g.groupId,
        g.members.map((m) => {
          let partitions: number[] = [];
          try {
            partitions = m.memberAssignment.length > 0 ? [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])] : [];
          } catch {
            // An assignment of another protocol: no partitions known.
          }
          return { clientId: m.clientId, partitions };
        }),
      ]),
    );
  }

  /** Milliseconds behind per connector, freshness per projector and end to end (see the file's comment). */
  private estimateAges(s: PipelineSample): void {
    const history = [...this.history, s];
    const oldest = history[0]!.at;
    const ageOf = (at: number | undefined) => s.at - (at ?? oldest);
    s.connectors.forEach((c, i) => {
      if (c.bytesBehind === null) return;
      if (c.bytesBehind === 0 || !c.connectorAt) {
        c.msBehind = 0;
        return;
      }
      const target = binlogOrdinal(c.connectorAt);
      c.msBehind = Math.round(
        ageOf(
          passedAt(
            history.map((h) => ({ at: h.at, value: h.connectors[i]?.database ? binlogOrdinal(h.connectors[i]!.database!) : null })),
            target,
          ),
        ),
      );
    });
    for (const p of s.projectors) {
      if (p.lag === null || p.lag === 0) continue;
      let age = 0;
      for (const part of p.partitions) {
        if (part.lag <= 0) continue;
        const at = passedAt(
          history.map((h) => ({ at: h.at, value: h.ends[part.partition] ?? null })),
          part.committed,
        );
        age = Math.max(age, ageOf(at));
      }
      p.freshnessMs = Math.round(age);
    }
    const parts = [...s.connectors.map((c) => c.msBehind), ...s.projectors.map((p) => p.freshnessMs)];
    s.freshnessMs = maxOrNull(parts);
  }

  private publishGauges(s: PipelineSample): void {
    const g = this.gauges;
    if (!g) return;
    for (const c of s.connectors) {
      setOrReset(g.cdcBytes!, { connector: c.name }, c.bytesBehind);
      setOrReset(g.cdcMs!, { connector: c.name }, c.msBehind);
      g.cdcRunning!.set({ connector: c.name }, c.state === 'RUNNING' ? 1 : 0);
    }
    for (const p of s.projectors) {
      setOrReset(g.lag!, { projector: p.name }, p.lag);
      setOrReset(g.freshness!, { projector: p.name }, p.freshnessMs);
      setOrReset(g.statusAge!, { projector: p.name }, p.statusAgeMs);
    }
    const labels = new Map<string, Record<string, string>>();
    for (const p of s.projectors) {
      for (const i of p.instances) {
        const l = { projector: p.name, instance: i.instance };
        labels.set(`${p.name}\n${i.instance}`, l);
        setOrReset(g.instanceStatusAge!, l, i.statusAgeMs);
        g.instanceRunning!.set(l, i.state === 'running' ? 1 : 0);
        g.instancePartitions!.set(l, i.partitions.length);
      }
    }
    for (const [key, l] of this.instanceLabels) {
      if (labels.has(key)) continue;
      for (const gauge of [g.instanceStatusAge!, g.instanceRunning!, g.instancePartitions!]) gauge.remove(l);
    }
    this.instanceLabels = labels;
    setOrReset(g.e2e!, {}, s.freshnessMs);
  }
}

function setOrReset(g: Gauge, labels: Record<string, string>, v: number | null): void {
  if (Object.keys(labels).length === 0) {
    if (v === null) g.reset();
    else g.set(v);
  } else if (v === null) g.remove(labels);
  else g.set(labels, v);
}

function sumOrNull(xs: (number | null)[]): number | null {
  return xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0);
}

function maxOrNull(xs: (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length === 0 ? null : Math.max(...known);
}
