import type { Command } from 'commander';
import { type Engine, ModelChoiceError } from '../engine/engine.ts';
import type { ModelRegistry } from '../engine/embedding/model-registry.ts';
import { JobControl } from '../engine/library/job-control.ts';
import { removeModelAndData } from '../engine/service/model-service.ts';
import { createProgressReporter } from './progress-reporter.ts';

export interface ModelSwitchCommandDeps<O> {
  openEngine(o: O): Engine;
  registry(o: O): ModelRegistry;
  /** Adds the options every library command takes (library, models folder, device). */
  withLibraryOptions(c: Command): Command;
}

/** Megabytes, for space freed. */
function formatMegabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MB`;
}

/**
 * Runs the re-embed of a switch in the foreground, with a progress bar on a terminal; Ctrl+C stops
 * it at the next checkpoint (what is embedded is kept). Resolves to the message to print.
 */
export async function runSwitchInForeground(engine: Engine): Promise<string> {
  const control = new JobControl();
  const onSigint = (): void => {
    process.stderr.write('\nStopping after the current batch…\n');
    control.cancel();
  };
  process.once('SIGINT', onSigint);
  const bar = createProgressReporter(process.stderr);
  try {
    const summary = await engine.continueModelSwitch(
      (p) =>
        bar.update({
          phase: 'indexing',
          done: p.done,
          total: p.total,
          skipped: 0,
          imagesPerSecond: p.imagesPerSecond,
          ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
          ...(p.currentPath ? { currentPath: p.currentPath } : {}),
        }),
      control,
    );
    bar.stop();
    for (const s of summary.skipped) process.stderr.write(`lookalike: skipped ${s.path}: ${s.reason}\n`);
    if (summary.switched) {
      return `Switched to ${summary.model}: ${summary.embedded} photos embedded in ${summary.seconds.toFixed(1)} s.`;
    }
    const state = engine.modelSwitch();
    if (!state) return `The library uses ${engine.activeModelId()}.`;
    const how = 'run `lookalike models use` again, or `lookalike index`, `watch` or `serve`, to go on';
    return summary.cancelled
      ? `Stopped: ${state.done} of ${state.total} photos embedded for ${state.model}; ${engine.activeModelId()} keeps answering. ${how}.`
      : `${state.done} of ${state.total} photos embedded for ${state.model} (the others cannot be read now); ${engine.activeModelId()} keeps answering. ${how}.`;
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSigint);
  }
}

export function addModelSwitchCommands<O extends { wait?: boolean }>(
  models: Command,
  deps: ModelSwitchCommandDeps<O>,
): void {
  deps
    .withLibraryOptions(
      models
        .command('use')
        .description(
          'switch the library to an installed model: photos are embedded for it while searches keep ' +
            'using the current one, which it replaces once done (Ctrl+C stops; running it again goes on)',
        )
        .argument('<id>', 'the model (see `lookalike models list`)'),
    )
    .option('--wait', 'embed now even without a terminal (default: only with one)')
    .option('--no-wait', 'only record the choice; `index`, `watch` or `serve` embed in the background')
    .action(async (id: string, o: O) => {
      const engine = deps.openEngine(o);
      try {
        const before = engine.modelSwitch();
        let state;
        try {
          state = engine.useModel(id);
        } catch (err) {
          if (!(err instanceof ModelChoiceError)) throw err;
          const installed = deps
            .registry(o)
            .list()
            .map((m) => m.manifest.id);
          throw new Error(`${err.message} Installed: ${installed.join(', ')}.`, { cause: err });
        }
        if (!state) {
          console.log(
            before
              ? `The switch to ${before.model} is cancelled; ${id} keeps answering (its embedded photos are kept).`
              : `${id} is already the library's model.`,
          );
          return;
        }
        const wait = o.wait ?? process.stderr.isTTY;
        if (!wait) {
          console.log(
            `Switching to ${id}: ${state.done} of ${state.total} photos embedded; ` +
              `${engine.activeModelId()} answers until all are. \`lookalike index\`, \`watch\` or \`serve\` go on with it.`,
          );
          return;
        }
        console.log(await runSwitchInForeground(engine));
      } finally {
        await engine.close();
      }
    });

  deps
    .withLibraryOptions(
      models
        .command('remove')
        .description(
          "remove an installed model: the library's vectors and index for it are dropped to free space, " +
            'then its files are deleted (refused for the model the library uses)',
        )
        .argument('<id>', 'the model'),
    )
    .action(async (id: string, o: O) => {
      const engine = deps.openEngine(o);
      let removal;
      try {
        removal = await removeModelAndData(engine, deps.registry(o), id);
      } finally {
        await engine.close();
      }
      const { removed, freed } = removal;
      const data =
        freed.vectors > 0
          ? `dropped ${freed.vectors} vectors and its index (${formatMegabytes(freed.bytes)} freed inside the library; the file keeps its size and reuses the space)`
          : 'the library held nothing for it';
      console.log(removed ? `Removed ${id}: ${data}.` : `${id} was not installed; ${data}.`);
    });
}
