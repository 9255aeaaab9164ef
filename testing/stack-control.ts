/** Control services of the local stack (infra/bin/stack). */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../common/src/config.ts';

const run = promisify(execFile);

export type StackAction = 'start' | 'stop' | 'kill' | 'restart';

export async function stack(action: StackAction, service: string): Promise<string> {
  const { stdout, stderr } = await run(path.join(repoRoot, 'infra/bin/stack'), [action, service], {
    cwd: repoRoot,
    timeout: 180_000,
  });
  return stdout + stderr;
}

/** The pid of a service's own process (its supervisor's child), or undefined while it is down or restarting. */
export function servicePid(stackDir: string, service: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(stackDir, 'run', `${service}.child`), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
