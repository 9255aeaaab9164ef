/** Control services of the local stack (infra/bin/stack). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './config.ts';

const run = promisify(execFile);

export type StackAction = 'start' | 'stop' | 'kill' | 'restart';

export async function stack(action: StackAction, service: string): Promise<string> {
  const { stdout, stderr } = await run(path.join(repoRoot, 'infra/bin/stack'), [action, service], {
    cwd: repoRoot,
    timeout: 180_000,
  });
  return stdout + stderr;
}
