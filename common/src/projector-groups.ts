/** The projectors of the pipeline: their names (status hash, DLQ header) and consumer groups. */
export const PROJECTORS = [
  { name: 'redis', groupId: 'projector-redis' },
  { name: 'clickhouse', groupId: 'projector-clickhouse' },
] as const;

export const PROJECTOR_GROUPS: string[] = PROJECTORS.map((p) => p.groupId);
