/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { downsample, type NumericSeries } from "../numeric-series.js";

const width = 640;
const height = 180;
const pad = { left: 64, right: 16, top: 12, bottom: 28 };
/** Enough points for a 640-pixel-wide line; a long history is drawn by each bucket's low and high. */
const buckets = 300;

export interface StateChartProps {
  readonly series: NumericSeries;
  /** Other numeric fields the operator can chart instead, each with its link. */
  readonly choices: readonly { readonly path: string; readonly href: string }[];
}

/**
 * A numeric state field over versions as inline SVG: no script, no external file, only
 * presentation attributes and classes (the policy forbids inline styles). The numbers behind it
 * are in words too, for whoever cannot see the line.
 */
export function StateChart({ series, choices }: StateChartProps) {
  const points = downsample(series.points, buckets);
  const first = series.points[0];
  const last = series.points.at(-1);
  if (first === undefined || last === undefined) return null;
  const values = series.points.map((point) => point.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const x = scale(first.version, last.version, pad.left, width - pad.right);
  const y = scale(low, high, height - pad.bottom, pad.top);
  const line = points.map((point) => `${x(point.version).toFixed(1)},${y(point.value).toFixed(1)}`).join(" ");
  const summary = `${series.path} over versions ${first.version} to ${last.version}: from ${first.value} to ${last.value}, lowest ${low}, highest ${high}.`;
  return (
    <figure class="chart" aria-labelledby="chart-caption">
      <figcaption id="chart-caption">
        <strong>{series.path}</strong> over versions <span class="muted">({summary})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={summary} data-points={points.length}>
        <title>{summary}</title>
        <line class="axis" x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} />
        <line class="axis" x1={pad.left} y1={pad.top} x2={pad.left} y2={height - pad.bottom} />
        <text class="label" x={pad.left - 6} y={pad.top + 4} text-anchor="end">
          {high}
        </text>
        <text class="label" x={pad.left - 6} y={height - pad.bottom} text-anchor="end">
          {low}
        </text>
        <text class="label" x={pad.left} y={height - 8} text-anchor="start">
          v{first.version}
        </text>
        <text class="label" x={width - pad.right} y={height - 8} text-anchor="end">
          v{last.version}
        </text>
        {points.length === 1 ? (
          <circle class="series" cx={x(first.version)} cy={y(first.value)} r={3} />
        ) : (
          <polyline class="series" points={line} fill="none" />
        )}
      </svg>
      {choices.length > 1 && (
        <nav aria-label="Field to chart">
          Chart another field:{" "}
          {choices.map((choice) =>
            choice.path === series.path ? (
              <strong aria-current="true">{choice.path} </strong>
            ) : (
              <>
                <a href={choice.href}>{choice.path}</a>{" "}
              </>
            ),
          )}
        </nav>
      )}
    </figure>
  );
}

/** Maps [from, to] onto [start, end]; a flat range lands in the middle. */
function scale(from: number, to: number, start: number, end: number): (value: number) => number {
  if (from === to) return () => (start + end) / 2;
  return (value) => start + ((value - from) / (to - from)) * (end - start);
}
