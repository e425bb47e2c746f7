import { useEffect, useMemo } from 'react';
import { useActions, useEvaluate, useSettings } from '../../actions/app-context.tsx';
import type { SearchConfigurationInput } from '../../../../shared/evaluation-api.ts';
import { CloseIcon } from '../common/icons.tsx';

function describe(c: SearchConfigurationInput): string {
  const parts = [
    c.model ? `model ${c.model}` : 'active model',
    c.ef ? `ef ${c.ef}` : null,
    c.collapse === false ? 'near-duplicates listed' : 'near-duplicates grouped',
    c.rerank === undefined ? null : c.rerank ? 're-ranked' : 'plain similarity order',
    c.crop === 'ignore' ? 'whole photo' : 'with crop',
    `top ${c.k ?? 20}`,
  ];
  return parts.filter(Boolean).join(', ');
}

/** One line naming the configurations whose results are pooled for grading. */
export function ConfigurationSummary(): React.JSX.Element {
  const configurations = useEvaluate((s) => s.configurations);
  return (
    <span className="muted eval-config-summary">
      Pools the top results of {configurations.map((c) => c.name).join(', ')} (set them under Compare).
    </span>
  );
}

function optionalInt(text: string): number | undefined {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The configurations to pool and compare: a name, the model (an installed one whose index covers
 * the library; by default the active one), the HNSW
 * search breadth (blank: the library's), near-duplicate grouping, crop handling and k.
 */
export function ConfigurationsEditor(): React.JSX.Element {
  const actions = useActions();
  const configurations = useEvaluate((s) => s.configurations);
  const all = useSettings((s) => s.models);
  // The models load at start-up and follow installs; a failed first load is tried again here.
  useEffect(() => {
    if (!all) void actions.settings.loadModels();
  }, [actions, all]);
  const models = useMemo(() => (all ?? []).filter((m) => m.status === 'installed'), [all]);
  return (
    <div className="eval-configs">
      <table className="eval-table eval-config-table">
        <caption className="visually-hidden">Configurations to compare</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Model</th>
            <th scope="col">ef</th>
            <th scope="col">Group near-duplicates</th>
            <th scope="col">Re-rank</th>
            <th scope="col">Crop</th>
            <th scope="col">k</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {configurations.map((c, i) => {
            const n = i + 1;
            return (
              <tr key={i} title={describe(c)}>
                <td>
                  <input
                    className="text-input eval-config-name"
                    aria-label={`Name of configuration ${n}`}
                    value={c.name}
                    onChange={(e) => actions.evaluate.updateConfiguration(i, { name: e.target.value })}
                  />
                </td>
                <td>
                  <select
                    className="select eval-config-model"
                    aria-label={`Model of configuration ${n}`}
                    value={c.model ?? ''}
                    onChange={(e) =>
                      actions.evaluate.updateConfiguration(i, { model: e.target.value || undefined })
                    }
                  >
                    <option value="">Active model</option>
                    {c.model && !models.some((m) => m.id === c.model) ? (
                      <option value={c.model}>{c.model}</option>
                    ) : null}
                    {models.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.name}
                        {m.active ? ' (active)' : ''}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    className="text-input eval-config-number"
                    type="number"
                    min={1}
                    max={10000}
                    aria-label={`ef of configuration ${n}`}
                    placeholder="library"
                    value={c.ef ?? ''}
                    onChange={(e) =>
                      actions.evaluate.updateConfiguration(i, { ef: optionalInt(e.target.value) })
                    }
                  />
                </td>
                <td>
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      aria-label={`Group near-duplicates in configuration ${n}`}
                      checked={c.collapse !== false}
                      onChange={(e) =>
                        actions.evaluate.updateConfiguration(i, { collapse: e.target.checked })
                      }
                    />
                  </label>
                </td>
                <td>
                  <select
                    className="select"
                    aria-label={`Re-ranking by neighbours in configuration ${n}`}
                    value={c.rerank === undefined ? 'model' : c.rerank ? 'on' : 'off'}
                    onChange={(e) =>
                      actions.evaluate.updateConfiguration(i, {
                        rerank: e.target.value === 'model' ? undefined : e.target.value === 'on',
                      })
                    }
                  >
                    <option value="model">As the model does best</option>
                    <option value="on">On</option>
                    <option value="off">Off</option>
                  </select>
                </td>
                <td>
                  <select
                    className="select"
                    aria-label={`Crop handling of configuration ${n}`}
                    value={c.crop ?? 'use'}
                    onChange={(e) =>
                      actions.evaluate.updateConfiguration(i, { crop: e.target.value as 'use' | 'ignore' })
                    }
                  >
                    <option value="use">Use the crop</option>
                    <option value="ignore">Whole photo</option>
                  </select>
                </td>
                <td>
                  <input
                    className="text-input eval-config-number"
                    type="number"
                    min={1}
                    max={1000}
                    aria-label={`k of configuration ${n}`}
                    value={c.k ?? 20}
                    onChange={(e) =>
                      actions.evaluate.updateConfiguration(i, { k: optionalInt(e.target.value) ?? 20 })
                    }
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove configuration ${c.name || n}`}
                    disabled={configurations.length <= 1}
                    onClick={() => actions.evaluate.removeConfiguration(i)}
                  >
                    <CloseIcon size={14} />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        className="button button-small"
        disabled={configurations.length >= 8}
        onClick={() => actions.evaluate.addConfiguration()}
      >
        Add configuration
      </button>
    </div>
  );
}
