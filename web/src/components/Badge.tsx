/** A state word with a colour: RUNNING green, PAUSED amber, anything else red. */
const TONE: Record<string, string> = { RUNNING: 'ok', PAUSED: 'warn', RESTARTING: 'warn', UNASSIGNED: 'warn' };

export const StateBadge = ({ state }: { state: string }) => <span className={`badge badge-${TONE[state] ?? 'bad'}`}>{state}</span>;

export const Badge = ({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: string }) => (
  <span className={`badge badge-${tone}`}>{children}</span>
);
