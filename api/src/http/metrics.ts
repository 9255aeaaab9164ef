/// <reference types="@fastify/swagger" />
/** Prometheus metrics at GET /metrics: commands, their latency and refusals by code. */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ledger_api_' });
  const requests = new Counter({
    name: 'ledger_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands by name and outcome (ok, replayed, or the error code)',
    labelNames: ['command', 'outcome'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'ledger_command_refusals_total',
    help: 'Refused commands by name and error code',
    labelNames: ['command', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'ledger_command_duration_seconds',
    help: 'Command latency, request received to answer sent',
    labelNames: ['command'],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    const command = request.routeOptions.config?.command;
    if (!command) return;
    latency.observe({ command }, reply.elapsedTime / 1000);
    if (reply.statusCode < 400) {
      commands.inc({ command, outcome: reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'ok' });
    } else {
      const code = request.errorCode ?? 'INTERNAL';
      commands.inc({ command, outcome: code });
      refusals.inc({ command, code });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}
