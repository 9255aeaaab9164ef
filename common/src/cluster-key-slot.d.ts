/** cluster-key-slot ships no types: the Redis Cluster hash slot (0-16383) of a key, hash tag included. */
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The slot of every key, or -1 when they are not all in one. */
    function generateMulti(keys: (string | Buffer)[]): number;
  }
  export = calculateSlot;
}
