/**
 * ensure_env (infra/lib/common.sh) on an existing .env: variables and API keys added
 * to .env.example since are appended with fresh secrets; what is there stays as it is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/src/config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'env-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ensureEnv = () => execFileSync('bash', ['-c', `source "${repoRoot}/infra/lib/common.sh"; REPO_DIR="$1"; ensure_env`, 'x', dir], { stdio: 'pipe' });

describe('ensure_env', () => {
  it('appends new variables and new API keys, keeps existing values, and is idempotent', () => {
    writeFileSync(
      path.join(dir, '.env.example'),
      ['A=1', 'SECRET=__GENERATE__', 'NEW=2', 'API_KEYS=admin/admin/__GENERATE__,bench/points:read/__GENERATE__/1000000', ''].join('\n'),
    );
    writeFileSync(path.join(dir, '.env'), 'A=changed\nSECRET=kept-secret-0123456789\nAPI_KEYS=admin/admin/kept-admin-0123456789\n');
    ensureEnv();
    const env = readFileSync(path.join(dir, '.env'), 'utf8');
    expect(env).toMatch(/^A=changed$/m);
    expect(env).toMatch(/^SECRET=kept-secret-0123456789$/m);
    expect(env).toMatch(/^NEW=2$/m);
    expect(env).toMatch(/^API_KEYS=admin\/admin\/kept-admin-0123456789,bench\/points:read\/[0-9a-f]{32}\/1000000$/m);
    ensureEnv();
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(env);
  });
});
