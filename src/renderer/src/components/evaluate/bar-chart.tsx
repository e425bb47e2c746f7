import { useId } from 'react';

export interface Bar {
  key: string;
  label: string;
  value: number;
}

const WIDTH = 560;
const HEIGHT = 240;
const PAD = { left: 52, right: 12, top: 12, bottom: 30 };

/**
 * Signed bars around zero in SVG (a win above the line, a loss below), with a title and a
 * description for screen readers and each bar's value on hover.
 */
export function BarChart(props: {
  title: string;
  description: string;
  bars: Bar[];
  xLabel: string;
  format: (v: number) => string;
  /** 'positive': bars from zero up only (rates); 'signed' (default): around zero. */
  range?: 'signed' | 'positive';
}): React.JSX.Element {
  const id = useId();
  const { bars } = props;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const extent = Math.max(0.05, ...bars.map((b) => Math.abs(b.value)));
  const low = props.range === 'positive' ? 0 : -extent;
  const sy = (v: number): number => PAD.top + ((extent - v) / (extent - low)) * innerH;
  const ticks =
    props.range === 'positive' ? [extent, extent / 2, 0] : [extent, extent / 2, 0, -extent / 2, -extent];
  const slot = innerW / Math.max(1, bars.length);
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const labelled = bars.length <= 24;
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
        {ticks.map((v) => (
          <g key={v}>
            <line
              className={v === 0 ? 'chart-zero' : 'chart-grid'}
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={sy(v)}
              y2={sy(v)}
            />
            <text className="chart-tick" x={PAD.left - 6} y={sy(v) + 4} textAnchor="end">
              {props.format(v)}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const cx = PAD.left + slot * (i + 0.5);
          const top = sy(Math.max(0, b.value));
          const height = Math.max(b.value === 0 ? 1 : 0, Math.abs(sy(b.value) - sy(0)));
          const kind = b.value > 0 ? 'chart-bar-up' : b.value < 0 ? 'chart-bar-down' : 'chart-bar-tie';
          return (
            <g key={b.key}>
              <rect
                className={kind}
                x={cx - barW / 2}
                y={b.value === 0 ? sy(0) - 0.5 : top}
                width={barW}
                height={height}
              >
                <title>{`${b.label}: ${props.format(b.value)}`}</title>
              </rect>
              {labelled ? (
                <text className="chart-tick" x={cx} y={HEIGHT - PAD.bottom + 14} textAnchor="middle">
                  {b.key}
                </text>
              ) : null}
            </g>
          );
        })}
        <text className="chart-axis-label" x={PAD.left + innerW / 2} y={HEIGHT - 2} textAnchor="middle">
          {props.xLabel}
        </text>
      </svg>
    </figure>
  );
}
