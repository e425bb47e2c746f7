import { useId } from 'react';

export interface LineSeries {
  name: string;
  values: number[];
}

const WIDTH = 560;
const HEIGHT = 240;
const PAD = { left: 44, right: 16, top: 14, bottom: 36 };
/** Told apart by dash as well as colour, for people who do not see the colours. */
const DASHES = ['', '6 4', '2 3', '10 3 2 3'];

/** Ticks at round steps so the axis reads easily (1, 5, 10… for k). */
function xTicks(xs: readonly number[]): number[] {
  if (xs.length <= 10) return [...xs];
  const step = Math.ceil(xs.length / 8 / 5) * 5;
  return xs.filter((x, i) => i === 0 || x % step === 0);
}

/**
 * A small line chart in SVG (values 0–1 against x), with a title and a description for screen
 * readers, a legend, and each point's value on hover.
 */
export function LineChart(props: {
  title: string;
  description: string;
  x: number[];
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
}): React.JSX.Element {
  const id = useId();
  const { x, series } = props;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const minX = x[0] ?? 0;
  const maxX = x[x.length - 1] ?? 1;
  const sx = (v: number): number =>
    PAD.left + (maxX === minX ? innerW / 2 : ((v - minX) / (maxX - minX)) * innerW);
  const sy = (v: number): number => PAD.top + (1 - Math.max(0, Math.min(1, v))) * innerH;
  return (
    <figure className="chart">
      <svg
        className="chart-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{props.title}</title>
        <desc id={`${id}-desc`}>{props.description}</desc>
        {[0, 0.25, 0.5, 0.75, 1].map((v) => (
          <g key={v}>
            <line className="chart-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={sy(v)} y2={sy(v)} />
            <text className="chart-tick" x={PAD.left - 6} y={sy(v) + 4} textAnchor="end">
              {v.toFixed(2)}
            </text>
          </g>
        ))}
        {xTicks(x).map((v) => (
          <text key={v} className="chart-tick" x={sx(v)} y={HEIGHT - PAD.bottom + 16} textAnchor="middle">
            {v}
          </text>
        ))}
        <text className="chart-axis-label" x={PAD.left + innerW / 2} y={HEIGHT - 4} textAnchor="middle">
          {props.xLabel}
        </text>
        <text
          className="chart-axis-label"
          transform={`translate(12 ${PAD.top + innerH / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {props.yLabel}
        </text>
        {series.map((s, si) => (
          <g key={s.name} className={`chart-series chart-series-${si % 4}`}>
            <polyline
              fill="none"
              strokeWidth={2}
              strokeDasharray={DASHES[si % DASHES.length]}
              points={s.values.map((v, i) => `${sx(x[i] ?? i)},${sy(v)}`).join(' ')}
            />
            {s.values.map((v, i) => (
              <circle key={i} cx={sx(x[i] ?? i)} cy={sy(v)} r={x.length > 30 ? 1.5 : 3}>
                <title>{`${s.name}, ${props.xLabel} ${x[i]}: ${v.toFixed(3)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="chart-legend">
        {series.map((s, si) => (
          <span key={s.name} className={`chart-key chart-series-${si % 4}`}>
            <svg width="28" height="10" aria-hidden="true">
              <line
                x1="0"
                x2="28"
                y1="5"
                y2="5"
                strokeWidth="2"
                strokeDasharray={DASHES[si % DASHES.length]}
              />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
