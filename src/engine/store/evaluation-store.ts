import type { Database } from 'better-sqlite3';
import { EvaluationRunRepository } from './evaluation-run-repository.ts';
import { EvaluationSetRepository } from './evaluation-set-repository.ts';
import { ImageIdentityRepository } from './image-identity-repository.ts';
import { InteractionRepository } from './interaction-repository.ts';
import { JudgmentRepository } from './judgment-repository.ts';
import { TripletRepository } from './triplet-repository.ts';

/** The evaluation workbench's repositories over one library database. */
export class EvaluationStore {
  readonly sets: EvaluationSetRepository;
  readonly judgments: JudgmentRepository;
  readonly runs: EvaluationRunRepository;
  readonly triplets: TripletRepository;
  readonly interactions: InteractionRepository;
  readonly identity: ImageIdentityRepository;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
    this.sets = new EvaluationSetRepository(db);
    this.judgments = new JudgmentRepository(db);
    this.runs = new EvaluationRunRepository(db);
    this.triplets = new TripletRepository(db);
    this.interactions = new InteractionRepository(db);
    this.identity = new ImageIdentityRepository(db);
  }

  /** Runs fn in one transaction (nested calls join it). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
