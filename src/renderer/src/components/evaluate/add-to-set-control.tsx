import { useEffect, useId, useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import type { QueryRef } from '../../../../shared/api-contract.ts';
import type { Crop } from '../../../../shared/library-api.ts';

const NEW_SET = 'new';

/** "Set 1", "Set 2"…: the first such name no set has yet. */
function freeSetName(sets: ReadonlyArray<{ name: string }>): string {
  const taken = new Set(sets.map((s) => s.name));
  let n = 1;
  while (taken.has(`Set ${n}`)) n++;
  return `Set ${n}`;
}

/**
 * "Add to evaluation set" for a photo shown in Search (the query, with its crop, or a result):
 * pick a set, or make one, and the photo becomes one of its queries.
 */
export function AddToSetControl(props: {
  photo: QueryRef;
  crop?: Crop | null;
  small?: boolean;
}): React.JSX.Element {
  const actions = useActions();
  const sets = useEvaluate((s) => s.sets.data);
  const id = useId();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!sets) void actions.evaluate.loadSets();
  }, [actions, sets]);
  useEffect(() => setMessage(null), [props.photo]);

  const add = async (value: string): Promise<void> => {
    const target = value === NEW_SET ? { newSetName: freeSetName(sets ?? []) } : Number(value);
    setBusy(true);
    // A query photo the engine lost (it restarted) is sent again from Search's history.
    const problem = await actions.evaluate.addToSet(target, props.photo, props.crop ?? null, (ref) =>
      actions.search.renewUpload(ref),
    );
    setBusy(false);
    const name = typeof target === 'number' ? sets?.find((s) => s.id === target)?.name : target.newSetName;
    setMessage(problem ? { ok: false, text: problem } : { ok: true, text: `Added to ${name ?? 'the set'}` });
  };

  return (
    <span className="add-to-set">
      <label className="visually-hidden" htmlFor={id}>
        Add to evaluation set
      </label>
      <select
        id={id}
        className={`select${props.small ? ' select-small' : ''}`}
        value=""
        disabled={busy}
        onChange={(e) => void add(e.target.value)}
      >
        <option value="" disabled>
          Add to evaluation set…
        </option>
        {(sets ?? []).map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
        <option value={NEW_SET}>New set</option>
      </select>
      {message ? (
        <span className={message.ok ? 'muted' : 'field-error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </span>
      ) : null}
    </span>
  );
}
