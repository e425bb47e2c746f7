import type { Database } from 'better-sqlite3';
import type { ReembeddingStatus } from '../../shared/library-api.ts';
import type { LoadedManifest } from '../embedding/model-manifest.ts';
import { QueryError } from '../search/query-error.ts';
import { EmbeddingRepository } from '../store/embedding-repository.ts';
import { IndexRepository } from '../store/index-repository.ts';
import { type LibraryModelChoice, LibraryModelRepository } from '../store/library-model-repository.ts';
import { ModelRepository } from '../store/model-repository.ts';
import { type ModelSlotOptions, type ModelSource, ModelSlot } from './model-slot.ts';

/** A model that is not installed, or whose index cannot answer yet: the person's choice, reported as such. */
export class ModelChoiceError extends QueryError {}

/** What dropping a model's data reclaimed. */
export interface DroppedModelData {
  model: string;
  vectors: number;
  /** Bytes of vectors and index snapshots freed inside the library file (reused by new data). */
  bytes: number;
}

export interface LibraryModelsOptions {
  db: Database;
  /** The bundled model: always installed, and the one a new library starts with by default. */
  defaultModel: LoadedManifest;
  /** The other installed models. */
  installed?: ModelSource;
  /** The model a new library starts with, when not the default. */
  initialModel?: string;
  slot: Omit<ModelSlotOptions, 'db'>;
}

/**
 * The library's models: which one answers searches and which one it is switching to (recorded in
 * its database), and the per-model state of each, opened on first use and keyed by model id.
 */
export class LibraryModels {
  private readonly options: LibraryModelsOptions;
  private readonly db: Database;
  private readonly choices: LibraryModelRepository;
  private readonly models: ModelRepository;
  private readonly slots = new Map<string, ModelSlot>();

  constructor(options: LibraryModelsOptions) {
    this.options = options;
    this.db = options.db;
    this.choices = new LibraryModelRepository(options.db);
    this.models = new ModelRepository(options.db);
    this.settle();
  }

  /**
   * A new library starts with the initial (or default) model. The active model is opened at once
   * when installed, so a changed file under its id is noticed (and its old vectors dropped) before
   * anything is searched. One that is not installed here is never replaced silently: operations
   * that need it say so (see active), and `choose` can switch away from it.
   */
  private settle(): void {
    if (!this.choices.get().active) {
      const first = this.options.initialModel;
      this.choices.setActive(first && this.lookup(first) ? first : this.defaultId);
    }
    const current = this.activeId();
    if (this.lookup(current)) this.slot(current);
  }

  private get defaultId(): string {
    return this.options.defaultModel.manifest.id;
  }

  private lookup(id: string): LoadedManifest | undefined {
    return id === this.defaultId ? this.options.defaultModel : this.options.installed?.get(id);
  }

  /** The recorded choice, as the database says now (another process may have switched). */
  choice(): LibraryModelChoice {
    return this.choices.get();
  }

  /** The id of the model answering searches (whether or not it is installed here). */
  activeId(): string {
    return this.choices.get().active ?? this.defaultId;
  }

  /** The state kept for a model (opening it on first use); throws ModelChoiceError when not installed. */
  slot(id: string): ModelSlot {
    let slot = this.slots.get(id);
    if (!slot) {
      const loaded = this.lookup(id);
      if (!loaded) throw new ModelChoiceError(`The model "${id}" is not installed.`);
      slot = new ModelSlot(loaded, { ...this.options.slot, db: this.db });
      this.slots.set(id, slot);
    }
    return slot;
  }

  /** The model answering searches now. */
  active(): ModelSlot {
    const id = this.activeId();
    if (!this.slots.has(id) && !this.lookup(id)) {
      throw new ModelChoiceError(
        `This library uses the model "${id}", which is not installed here. Add it again ` +
          '(lookalike models add), point to its folder (--models-dir), or switch the library to an ' +
          'installed model (lookalike models use <id>).',
      );
    }
    return this.slot(id);
  }

  /** A model whose index covers every photo, for a search that names it (model comparisons). */
  complete(id: string): ModelSlot {
    const slot = this.slot(id);
    const { done, total } = slot.embeddings.coverage();
    if (done < total) {
      throw new ModelChoiceError(
        `The model "${id}" cannot answer yet: ${done} of ${total} photos are embedded for it.`,
      );
    }
    return slot;
  }

  /**
   * Records a change to a photo in every index kept up to date: the writer's model, the active
   * one and the one being switched to (read in the writer's transaction, so a switch made by
   * another process is seen).
   */
  logChange(imageId: number, op: 'add' | 'delete', writer: ModelSlot): void {
    const { active, target } = this.choices.get();
    const ids = new Set([writer.id, active, target].filter((m): m is string => m !== null));
    for (const id of ids) {
      // By id: a model being switched to need not be installed for its log to stay true.
      (this.slots.get(id)?.indexLog ?? new IndexRepository(this.db, id)).logChange(imageId, op);
    }
  }

  /**
   * Records the model to switch to (it must be installed). Choosing the active model forgets a
   * switch not yet done.
   */
  choose(id: string): void {
    this.slot(id);
    const { active, target } = this.choices.get();
    if (id === active) {
      if (target) this.choices.setTarget(null);
    } else if (id !== target) {
      this.choices.setTarget(id);
    }
  }

  /**
   * Makes a fully embedded model the active one: its graph is snapshotted, then one immediate
   * transaction checks (against every process's writes) that the switch is still wanted and that
   * no photo lacks a vector, and records it. Searches started before keep the old model.
   */
  swapTo(slot: ModelSlot): boolean {
    const index = slot.index();
    index.refreshSync();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
    const previous = this.choices.get().active;
    const swapped = this.db
      .transaction(() => {
        if (this.choices.get().target !== slot.id || !slot.isComplete()) return false;
        this.choices.setActive(slot.id);
        return true;
      })
      .immediate();
    if (swapped && previous && previous !== slot.id) this.slots.get(previous)?.retire();
    return swapped;
  }

  /** The switch under way, if any, and how far it got; `run`: the re-embed running in this process. */
  switchState(run?: {
    model: string;
    paused: boolean;
    imagesPerSecond?: number;
    etaSeconds?: number;
  }): ReembeddingStatus | null {
    const { target, switchStartedAt } = this.choices.get();
    if (!target) return null;
    const running = run?.model === target ? run : undefined;
    const { done, total } = new EmbeddingRepository(this.db, target).coverage();
    return {
      model: target,
      phase: !running ? 'waiting' : running.paused ? 'paused' : 'embedding',
      done,
      total,
      imagesPerSecond: running?.imagesPerSecond ?? 0,
      etaSeconds: running?.etaSeconds ?? null,
      startedAt: switchStartedAt,
    };
  }

  /**
   * Drops what the library keeps for a model (its vectors and index) to reclaim space. Refused for
   * the active model and the one being switched to. What it frees is reused by the library file
   * for new data (no VACUUM: the file does not shrink, and nothing is rewritten).
   */
  async drop(id: string): Promise<DroppedModelData> {
    const { active, target } = this.choices.get();
    if (id === active) {
      throw new ModelChoiceError(`"${id}" is the model answering searches; switch to another model first.`);
    }
    if (id === target) {
      throw new ModelChoiceError(
        `The library is being switched to "${id}"; switch back (lookalike models use ${active}) first.`,
      );
    }
    const slot = this.slots.get(id);
    this.slots.delete(id);
    await slot?.dispose();
    return { model: id, ...this.models.drop(id) };
  }

  /** Drops vectors no photo shows any more, for every model but `except` (pruned by its writer). */
  pruneOrphans(except?: string): void {
    this.db.transaction(() => {
      for (const id of this.models.list()) {
        if (id !== except) new EmbeddingRepository(this.db, id).pruneOrphans();
      }
    })();
  }

  /** Every opened model (for snapshots before exit). */
  opened(): ModelSlot[] {
    return [...this.slots.values()];
  }

  async dispose(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.dispose()));
  }
}
