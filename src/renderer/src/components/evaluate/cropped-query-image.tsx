import type { Crop } from '../../../../shared/library-api.ts';

/**
 * A query photo with the part it searches with outlined (the rest shaded), so the curator grades
 * against what the search actually looked for. Pixel crops are named rather than drawn: the
 * photo's size is not known here.
 */
export function CroppedQueryImage(props: { src: string; alt: string; crop: Crop | null }): React.JSX.Element {
  const { crop } = props;
  return (
    <span className="eval-crop-frame">
      <img className="eval-grading-query-image" src={props.src} alt={props.alt} />
      {crop?.unit === 'fraction' ? (
        <span
          className="eval-crop-box"
          aria-hidden="true"
          style={{
            left: `${crop.x * 100}%`,
            top: `${crop.y * 100}%`,
            width: `${crop.width * 100}%`,
            height: `${crop.height * 100}%`,
          }}
        />
      ) : null}
    </span>
  );
}
