/**
 * Caches one value per key for `ttlMs`, loading each key at most once at a time (callers during a load share
 * it). A failed load is not cached.
 */
export function createSingleFlightCache<V>(
  load: (key: string) => Promise<V>,
  options: { ttlMs: number; now?: () => number },
) {
  const now = options.now ?? Date.now;
  const values = new Map<string, { value: V; at: number }>();
  const inflight = new Map<string, Promise<V>>();
  return {
    async get(key: string): Promise<V> {
      const hit = values.get(key);
      if (hit && now() - hit.at <= options.ttlMs) return hit.value;
      let pending = inflight.get(key);
      if (!pending) {
        pending = load(key)
          .then((value) => {
            values.set(key, { value, at: now() });
            return value;
          })
          .finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
    clear(): void {
      values.clear();
    },
  };
}
