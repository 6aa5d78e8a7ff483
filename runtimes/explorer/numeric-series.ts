/** One numeric field of an aggregate's state over its versions, e.g. an account's balance. */
export interface NumericSeries {
  /** The dotted path of the field in the state ("balance", "limits.daily"). */
  readonly path: string;
  readonly points: readonly SeriesPoint[];
}

export interface SeriesPoint {
  readonly version: number;
  readonly value: number;
}

/** Collects every finite number in each folded state, by path, in version order. */
export class SeriesCollector {
  readonly #byPath = new Map<string, SeriesPoint[]>();

  add(version: number, state: unknown): void {
    this.#visit(state, "", version);
  }

  /** The series found, in the order their fields first appeared. */
  series(): readonly NumericSeries[] {
    return [...this.#byPath].map(([path, points]) => ({ path, points }));
  }

  #visit(value: unknown, path: string, version: number): void {
    if (typeof value === "number" && Number.isFinite(value)) {
      const points = this.#byPath.get(path === "" ? "(state)" : path) ?? [];
      points.push({ version, value });
      this.#byPath.set(path === "" ? "(state)" : path, points);
      return;
    }
    // Arrays are one value in the state table too; only object fields are followed.
    if (typeof value !== "object" || value === null || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) this.#visit(inner, path === "" ? key : `${path}.${key}`, version);
  }
}

/**
 * At most `buckets` × 2 points that keep the shape of a long series: each bucket of versions is
 * drawn by its lowest and highest value, in version order, so no spike disappears.
 */
export function downsample(points: readonly SeriesPoint[], buckets: number): readonly SeriesPoint[] {
  if (points.length <= buckets * 2) return points;
  const size = Math.ceil(points.length / buckets);
  const kept: SeriesPoint[] = [];
  for (let start = 0; start < points.length; start += size) {
    const bucket = points.slice(start, start + size);
    let low = bucket[0] as SeriesPoint;
    let high = low;
    for (const point of bucket) {
      if (point.value < low.value) low = point;
      if (point.value > high.value) high = point;
    }
    if (low === high) kept.push(low);
    else kept.push(...(low.version < high.version ? [low, high] : [high, low]));
  }
  return kept;
}
