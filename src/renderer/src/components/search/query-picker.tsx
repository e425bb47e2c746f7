import { useRef } from 'react';
import { useActions, useSearch } from '../../actions/app-context.tsx';
import { UploadIcon } from '../common/icons.tsx';
import { Spinner } from '../common/status-message.tsx';

/** The file input labelled "Query image", styled as a button; drop and paste work anywhere too. */
export function ChooseQueryButton(props: {
  primary?: boolean;
  small?: boolean;
  label?: string;
}): React.JSX.Element {
  const actions = useActions();
  const uploading = useSearch((s) => s.uploading);
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <label
      className={[
        'button file-button',
        props.primary ? 'button-primary' : '',
        props.small ? 'button-small' : '',
        uploading ? 'is-disabled' : '',
      ].join(' ')}
    >
      {uploading ? <Spinner small /> : <UploadIcon size={16} />}
      <span>{uploading ? 'Reading…' : (props.label ?? 'Choose photo…')}</span>
      <input
        ref={inputRef}
        className="visually-hidden"
        type="file"
        accept="image/*,.heic,.heif,.avif,.tif,.tiff"
        aria-label="Query image"
        disabled={uploading}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void actions.search.searchWithFile(file, file.name);
          e.target.value = '';
        }}
      />
    </label>
  );
}

/** Shown before the first search: where to put a photo. */
export function QueryDropZone(): React.JSX.Element {
  return (
    <div className="drop-zone">
      <UploadIcon size={32} />
      <p className="drop-zone-title">Drop a photo here</p>
      <p className="muted">or paste one (Ctrl+V), or</p>
      <ChooseQueryButton primary />
    </div>
  );
}
