/**
 * Redis keys of the real-time model. Every key of a user carries the hash tag
 * {userId}, so a user's keys live in one slot and one Lua script can update them
 * all on Redis Cluster too.
 */
export const userKeys = (userId: string) => ({
  /** hash: balance, seq, updatedAt (occurredAt of the last event, ms), projectedAt (ms) */
  wallet: `u:{${userId}}:w`,
  /** hash: grantId -> remaining points (lots with points left) */
  remaining: `u:{${userId}}:lr`,
  /** hash: grantId -> expiresAt (ms) */
  expiry: `u:{${userId}}:le`,
  /** list: the latest events as JSON, newest first */
  history: `u:{${userId}}:h`,
});

/** Every key of the model matches one of these (for a rebuild's delete). */
export const MODEL_KEY_PATTERN = 'u:{*}:*';
