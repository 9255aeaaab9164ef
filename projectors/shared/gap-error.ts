/** An event whose seq skips one: an event was lost upstream. Never skipped silently. */
export class GapError extends Error {
  constructor(
    public readonly userId: string,
    public readonly expectedSeq: number,
    public readonly gotSeq: number,
  ) {
    super(`user ${userId}: expected seq ${expectedSeq}, got ${gotSeq}: an event is missing`);
    this.name = 'GapError';
  }
}
