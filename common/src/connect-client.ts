/** A small client of the Kafka Connect REST API (status, offsets, registration). */

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
}

export interface ConnectorOffset {
  partition: Record<string, unknown>;
  offset: Record<string, unknown>;
}

export class ConnectClient {
  /** timeoutMs: how long one call may take (status pages use a short one). */
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async call<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (res.status >= 400 && res.status !== 404) {
      throw new Error(`Kafka Connect ${method} ${p} answered ${res.status}: ${text}`);
    }
    return { status: res.status, body: parsed };
  }

  /** PUT /connectors/<name>/config: creates or updates; true when it was created. */
  async put(name: string, config: Record<string, string>): Promise<boolean> {
    const r = await this.call('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
    return r.status === 201;
  }

  async list(): Promise<string[]> {
    return (await this.call<string[]>('GET', '/connectors')).body;
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const r = await this.call<ConnectorStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    return r.status === 404 ? undefined : r.body;
  }

  /**
   * The connector's committed source offsets (GET /connectors/<name>/offsets, Kafka
   * Connect 3.5+); undefined when the connector is not registered.
   */
  async offsets(name: string): Promise<ConnectorOffset[] | undefined> {
    const r = await this.call<{ offsets: ConnectorOffset[] }>('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    return r.status === 404 ? undefined : r.body.offsets;
  }

  /** PUT /connectors/<name>/stop (Kafka Connect 3.5+): its tasks shut down, its offsets stay. */
  async stop(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/stop`);
  }

  /** PUT /connectors/<name>/resume: a stopped or paused connector runs again from its offsets. */
  async resume(name: string): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(name)}/resume`);
  }

  async restart(name: string): Promise<void> {
    await this.call('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }
}

export function isRunning(s: ConnectorStatus | undefined): boolean {
  return !!s && s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
}

export function describeStatus(s: ConnectorStatus): string {
  const lines = [`${s.name}: connector ${s.connector.state} on ${s.connector.worker_id}`];
  if (s.tasks.length === 0) lines.push('  (no tasks yet)');
  for (const t of s.tasks) {
    lines.push(`  task ${t.id}: ${t.state} on ${t.worker_id}`);
    if (t.trace) lines.push(`    ${t.trace.split('\n').slice(0, 3).join('\n    ')}`);
  }
  if (s.connector.trace) lines.push(`  ${s.connector.trace.split('\n').slice(0, 3).join('\n  ')}`);
  return lines.join('\n');
}
