/** Control services of the local stack (infra/bin/stack). */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../common/src/config.ts';

const run = promisify(execFile);

export type StackAction = 'start' | 'stop' | 'kill' | 'restart';

/** An action on services: a kind (every instance of it) or an instance (kafka-2); `kill` may start with '--down', 'S'. */
export async function stack(action: StackAction, ...services: string[]): Promise<string> {
  const { stdout, stderr } = await run(path.join(repoRoot, 'infra/bin/stack'), [action, ...services], {
    cwd: repoRoot,
    timeout: 180_000,
  });
  return stdout + stderr;
}

/**
 * The pid of a service's own process (its supervisor's child), or undefined while it is
 * down or restarting. A kind with instances (cluster: projector-redis-1, -2) answers for
 * its first instance.
 */
export function servicePid(stackDir: string, service: string): number | undefined {
  const run = path.join(stackDir, 'run');
  const own = path.join(run, `${service}.child`);
  const first = path.join(run, `${service}-1.child`);
  for (const file of [own, first]) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      // not this file (absent, or its process gone)
    }
  }
  return undefined;
}

/** The instances of a service kind in the running topology, with their ports (`stack instances`). */
export async function instances(kind: string): Promise<{ name: string; port: number | null }[]> {
  const { stdout } = await run(path.join(repoRoot, 'infra/bin/stack'), ['instances', kind], { cwd: repoRoot, timeout: 30_000 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, port] = line.split(' ');
      return { name: name!, port: port && port !== '-' ? Number(port) : null };
    });
}
