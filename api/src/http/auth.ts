/**
 * API keys with scopes: `Authorization: Bearer <key>`. A route names the scope it
 * needs in its config (`config: { scope: 'points:write' }`); routes without one
 * (health, metrics, docs) are public.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiKey, Scope } from '../../../common/src/config.ts';
import { AppError } from './app-error.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
    /** Metric label of a command route. */
    command?: string;
  }
  interface FastifyRequest {
    apiKey?: ApiKey;
    errorCode?: string;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function registerAuth(app: FastifyInstance, keys: ApiKey[]): void {
  const known = keys.map((k) => ({ key: k, digest: digest(k.secret) }));
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('errorCode', undefined);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return;
    const header = request.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new AppError('UNAUTHORIZED', 'an API key is required: Authorization: Bearer <key>');
    const d = digest(m[1]!);
    const found = known.find((k) => timingSafeEqual(k.digest, d));
    if (!found) throw new AppError('UNAUTHORIZED', 'unknown API key');
    request.apiKey = found.key;
    if (!found.key.scopes.includes(scope)) {
      throw new AppError('FORBIDDEN', `this key lacks the scope ${scope}`, { required: scope, granted: found.key.scopes });
    }
  });
}
