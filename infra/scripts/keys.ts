/** `make keys`: the API's address and the development keys, as shell variables. */
import { loadConfig } from '../../common/src/config.ts';

const cfg = loadConfig();
const pick = (want: string, not: string[] = []) =>
  cfg.api.keys.find((k) => k.scopes.includes(want as never) && not.every((n) => !k.scopes.includes(n as never)));
const lines: [string, string | undefined][] = [
  ['API_URL', `http://${cfg.api.host}:${cfg.api.port}`],
  ['ADMIN_KEY', pick('admin')?.secret],
  ['WRITE_KEY', pick('points:write', ['admin'])?.secret],
  ['READ_KEY', pick('points:read', ['points:write', 'admin'])?.secret],
];
for (const [name, value] of lines) {
  if (value === undefined) {
    console.error(`no key in API_KEYS fits ${name}`);
    process.exitCode = 1;
  } else {
    console.log(`${name}=${value}`);
  }
}
