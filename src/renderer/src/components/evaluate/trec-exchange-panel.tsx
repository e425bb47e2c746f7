import { useEffect, useMemo, useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import type { TrecExport } from '../../../../shared/evaluation-api.ts';
import { Spinner } from '../common/status-message.tsx';

/** The names `lookalike eval export --trec` writes, so downloaded files and exported folders agree. */
const QRELS_FILE = 'qrels.txt';
const SIDECAR_FILE = 'sidecar.json';
const runFile = (name: string): string => `${name.replace(/[^A-Za-z0-9._+-]/g, '_')}.run`;

interface Download {
  label: string;
  file: string;
  url: string;
}

/**
 * The export as links to save. A browser saves them with its download dialog; the desktop app
 * (Electron) asks where to save each one with the system's save dialog.
 */
function useDownloads(exported: TrecExport | null): Download[] {
  const downloads = useMemo(() => {
    if (!exported) return [];
    const link = (label: string, file: string, text: string): Download => ({
      label,
      file,
      url: URL.createObjectURL(new Blob([text], { type: 'text/plain' })),
    });
    return [
      link('Grades (TREC qrels)', QRELS_FILE, exported.qrels),
      link('Queries and crops (JSON sidecar)', SIDECAR_FILE, exported.sidecar),
      ...exported.runs.map((r) => link(`Run of ${r.name} (TREC run)`, runFile(r.name), r.text)),
    ];
  }, [exported]);
  useEffect(() => () => downloads.forEach((d) => URL.revokeObjectURL(d.url)), [downloads]);
  return downloads;
}

function ImportForm(): React.JSX.Element {
  const actions = useActions();
  const importing = useEvaluate((s) => s.importing);
  const [qrels, setQrels] = useState<File | null>(null);
  const [sidecar, setSidecar] = useState<File | null>(null);
  const [name, setName] = useState('');
  return (
    <form
      className="card eval-import"
      aria-label="Import TREC files"
      onSubmit={(e) => {
        e.preventDefault();
        if (qrels && sidecar) void actions.evaluate.importTrec(qrels, sidecar, name);
      }}
    >
      <h3 className="card-title">Import a set</h3>
      <label className="eval-field">
        <span className="field-label">Qrels file</span>
        <input
          type="file"
          accept=".txt,.qrels,text/plain"
          onChange={(e) => setQrels(e.target.files?.[0] ?? null)}
        />
      </label>
      <label className="eval-field">
        <span className="field-label">Sidecar file (JSON)</span>
        <input
          type="file"
          accept=".json,application/json"
          onChange={(e) => setSidecar(e.target.files?.[0] ?? null)}
        />
      </label>
      <label className="eval-field">
        <span className="field-label">Name of the new set (optional)</span>
        <input className="text-input" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" className="button" disabled={!qrels || !sidecar || importing.phase === 'loading'}>
        {importing.phase === 'loading' ? <Spinner small /> : null} Import
      </button>
      {importing.error ? (
        <p className="field-error" role="alert">
          {importing.error}
        </p>
      ) : null}
      {importing.phase === 'done' && importing.data ? (
        <p role="status">
          Imported “{importing.data.name}”: {importing.data.progress.queries} queries,{' '}
          {importing.data.progress.judged} grades.
        </p>
      ) : null}
    </form>
  );
}

/** The set as TREC files (for trec_eval, or `lookalike eval score`), and importing such files. */
export function TrecExchangePanel(): React.JSX.Element {
  const actions = useActions();
  const exported = useEvaluate((s) => s.exported);
  const hasSet = useEvaluate((s) => s.setId !== null);
  const downloads = useDownloads(exported.data);
  return (
    <div className="eval-panel-body eval-exchange">
      <section className="card" aria-label="Export TREC files">
        <h3 className="card-title">Export this set</h3>
        <p className="muted">
          The grades as TREC qrels (photos named by content, so renames keep them), the queries in a JSON
          sidecar, and the latest run of each configuration as a TREC run file. Score them with{' '}
          <code>lookalike eval score qrels.txt grouped.run -l 3</code> or trec_eval.
        </p>
        <button
          type="button"
          className="button button-primary"
          disabled={!hasSet || exported.phase === 'loading'}
          onClick={() => void actions.evaluate.exportTrec()}
        >
          {exported.phase === 'loading' ? <Spinner small /> : null} Prepare TREC files
        </button>
        {exported.error ? (
          <p className="field-error" role="alert">
            {exported.error}
          </p>
        ) : null}
        {downloads.length > 0 ? (
          <ul className="eval-downloads" aria-label="TREC files">
            {downloads.map((d) => (
              <li key={d.file}>
                <a className="button button-small" href={d.url} download={d.file}>
                  {d.label}: {d.file}
                </a>
              </li>
            ))}
          </ul>
        ) : null}
        {downloads.length > 0 ? (
          <p className="field-hint">
            {actions.capabilities.transport === 'electron'
              ? 'Each file asks where to save it. Keep them in one folder: the sidecar goes with the qrels.'
              : 'Your browser saves each file to its downloads (or asks where, as it is set up). Keep them together: the sidecar goes with the qrels.'}
          </p>
        ) : null}
        {exported.data && exported.data.runs.length === 0 ? (
          <p className="muted">No runs yet: measure or compare configurations to add their runs.</p>
        ) : null}
      </section>
      <ImportForm />
    </div>
  );
}
