/**
 * A latency histogram for bench/soak.ts (hdr-histogram-js is not a dependency): log-spaced buckets, each 1% wider
 * than the one before, from 1 µs up. A quantile read from it is within 1% of the exact value however long the run,
 * and a histogram holds at most a couple of thousand counters, so the soak keeps one per kind and interval.
 */

const bucketGrowth = 1.01;
const logBucketGrowth = Math.log(bucketGrowth);
/** Every latency at or below this falls in bucket 0. */
const latencyFloorMs = 0.001;

export class LatencyHistogram {
  readonly #counts: number[] = [];
  #total = 0;
  #sumMs = 0;
  #maxMs = 0;

  get count(): number {
    return this.#total;
  }

  get maxMs(): number {
    return this.#maxMs;
  }

  get meanMs(): number {
    return this.#total === 0 ? 0 : this.#sumMs / this.#total;
  }

  record(ms: number): void {
    const bucket = ms <= latencyFloorMs ? 0 : Math.ceil(Math.log(ms / latencyFloorMs) / logBucketGrowth);
    // Fill the gap so that the array stays dense (a sparse array is slow to iterate).
    while (this.#counts.length <= bucket) this.#counts.push(0);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#total++;
    this.#sumMs += ms;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  /** Adds every count of `other` into this one. */
  merge(other: LatencyHistogram): void {
    const counts = other.#counts;
    while (this.#counts.length < counts.length) this.#counts.push(0);
    for (let i = 0; i < counts.length; i++) this.#counts[i] = (this.#counts[i] ?? 0) + (counts[i] ?? 0);
    this.#total += other.#total;
    this.#sumMs += other.#sumMs;
    if (other.#maxMs > this.#maxMs) this.#maxMs = other.#maxMs;
  }

  /** The latency at quantile `q` (0..1): the upper bound of the bucket holding it, never above the maximum seen. */
  quantileMs(q: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(latencyFloorMs * bucketGrowth ** i, this.#maxMs);
    }
    return this.#maxMs;
  }
}
