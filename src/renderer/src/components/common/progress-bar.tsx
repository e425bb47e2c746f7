/**
 * A progress bar with its accessible name and value. Made of spans, so it also fits inside
 * buttons and table cells.
 */
export function ProgressBar(props: {
  label: string;
  /** Out of how much; undefined while that is not known. */
  max: number | undefined;
  now: number | undefined;
  /** The value in words, when the numbers alone would not say it. */
  valueText?: string;
  /** How far the bar is filled; undefined leaves the width to the stylesheet. */
  percent: number | undefined;
  /** Work whose size is not known yet: the bar moves instead of filling. */
  indeterminate?: boolean;
}): React.JSX.Element {
  return (
    <span
      className={`progress${props.indeterminate ? ' progress-indeterminate' : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.max}
      aria-valuenow={props.now}
      aria-valuetext={props.valueText}
    >
      <span
        className="progress-bar"
        style={{ width: props.percent === undefined ? undefined : `${props.percent}%` }}
      />
    </span>
  );
}
