/**
 * Early stopping on one-shot validation (Koch et al. section 3.2: "we used 320 one-shot
 * learning tasks generated randomly from the alphabets and drawers in the validation set",
 * stopping when validation error had not decreased for 20 epochs and keeping the best
 * model). The validation episodes come from `episodes/validation_task.ts`.
 */
/** What early stopping remembers; plain data so a checkpoint can hold it. */
export interface EarlyStoppingState {
  /** Step after which the best validation happened (-1 before any). */
  bestStep: number;
  /** Best validation accuracy so far (percent; -Infinity before any). */
  bestAccuracy: number;
  /** Validations since the last improvement. */
  bad: number;
  /** Weights at the best validation, in the models' weight order (null before any). */
  bestWeights: Float32Array[] | null;
}

/** Keep the best weights; stop after `patience` validations without improvement. */
export class EarlyStopping {
  readonly patience: number;
  state: EarlyStoppingState = { bestStep: -1, bestAccuracy: -Infinity, bad: 0, bestWeights: null };

  constructor(options: { patience: number }) {
    if (!(Number.isInteger(options.patience) && options.patience >= 1)) {
      throw new RangeError(
        `EarlyStopping: patience must be a positive integer, got ${options.patience}`,
      );
    }
    this.patience = options.patience;
  }

  /**
   * Record a validation. `snapshot` is called only on improvement (strictly better
   * accuracy), to copy the weights. Returns whether it improved.
   */
  update(step: number, accuracy: number, snapshot: () => Float32Array[]): boolean {
    if (!Number.isFinite(accuracy)) {
      throw new RangeError(`EarlyStopping.update: accuracy must be finite, got ${accuracy}`);
    }
    if (accuracy > this.state.bestAccuracy) {
      this.state = { bestStep: step, bestAccuracy: accuracy, bad: 0, bestWeights: snapshot() };
      return true;
    }
    this.state.bad++;
    return false;
  }

  /** True once `patience` validations in a row brought no improvement. */
  get shouldStop(): boolean {
    return this.state.bad >= this.patience;
  }
}
