/**
 * Embedding collapse: the failure of triplet training where every image maps to (nearly)
 * the same point. All distances are then equal, d(a,p) - d(a,n) = 0 for every triplet, and
 * the loss sits exactly at its collapsed value (the margin alpha for the margin loss, ln 2 for
 * the soft margin) with no gradient that can separate anything. FaceNet (section 3.2) warns that the hardest negatives "can in practice lead to
 * bad local minima early on in training, specifically it can result in a collapsed model
 * (i.e. f(x) = 0)". This monitor recognises it from what each step already computed, so a
 * run records it (and stops) instead of spending its budget on a dead model.
 */

/** Options of {@link CollapseMonitor}. */
export interface CollapseOptions {
  /**
   * The loss being trained: collapse is its value at equal distances. Comparing with the
   * margin instead would never see a soft-margin collapse (ln 2, whatever the margin).
   */
  loss: { readonly collapsedLoss: number };
  /**
   * Off-diagonal distances count as "all equal" when their range (max - min) is below
   * this fraction of the collapsed loss. Default 0.1.
   */
  spreadTolerance?: number;
  /** The loss counts as collapsed when within this fraction of its collapsed value. Default 0.05. */
  lossTolerance?: number;
  /** Consecutive collapsed steps after which the collapse counts as persistent. Default 100. */
  patience?: number;
}

/** What one observation found. */
export interface CollapseStatus {
  /** This step looks collapsed. */
  collapsed: boolean;
  /** Collapsed for at least `patience` consecutive steps: training should stop. */
  persistent: boolean;
  /** Consecutive collapsed steps up to and including this one. */
  streak: number;
  /** max - min of the off-diagonal distances. */
  spread: number;
  /** Mean off-diagonal distance. */
  meanDistance: number;
}

/** A collapse as recorded in `details`. */
export interface CollapseRecord {
  /** Step at which the current streak began. */
  firstStep: number;
  /** Last step seen collapsed. */
  lastStep: number;
  /** Longest streak of collapsed steps. */
  longestStreak: number;
  /** Whether the streak reached `patience` (and training was stopped). */
  persistent: boolean;
  /** Loss and distance spread when first seen. */
  loss: number;
  spread: number;
}

/** Watches loss and batch distances step by step for a collapsed embedding. */
export class CollapseMonitor {
  /** The loss at equal distances. */
  readonly collapsedLoss: number;
  readonly spreadTolerance: number;
  readonly lossTolerance: number;
  readonly patience: number;
  #streak = 0;
  #record: CollapseRecord | undefined;

  constructor(options: CollapseOptions) {
    const collapsedLoss = options.loss.collapsedLoss;
    if (!(collapsedLoss > 0)) {
      throw new RangeError(
        `CollapseMonitor: the loss's collapsed value must be positive, got ${collapsedLoss}`,
      );
    }
    this.collapsedLoss = collapsedLoss;
    this.spreadTolerance = options.spreadTolerance ?? 0.1;
    this.lossTolerance = options.lossTolerance ?? 0.05;
    this.patience = options.patience ?? 100;
    if (!(Number.isInteger(this.patience) && this.patience >= 1)) {
      throw new RangeError(
        `CollapseMonitor: patience must be a positive integer, got ${this.patience}`,
      );
    }
  }

  /**
   * Look at one step: its loss and its `[n, n]` distance matrix (row-major).
   * @param step training step number, for the record.
   */
  observe(step: number, input: { loss: number; distances: ArrayLike<number> }): CollapseStatus {
    const n = Math.round(Math.sqrt(input.distances.length));
    if (n * n !== input.distances.length || n < 2) {
      throw new RangeError(
        `CollapseMonitor.observe: distances must be an [n, n] matrix with n >= 2, got ${input.distances.length} entries`,
      );
    }
    let min = Infinity, max = -Infinity, sum = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const d = input.distances[i * n + j];
        if (d < min) min = d;
        if (d > max) max = d;
        sum += d;
      }
    }
    const spread = max - min;
    const meanDistance = sum / (n * (n - 1));
    const collapsed = spread < this.spreadTolerance * this.collapsedLoss &&
      Math.abs(input.loss - this.collapsedLoss) < this.lossTolerance * this.collapsedLoss;
    if (collapsed) {
      this.#streak++;
      if (this.#streak === 1) {
        this.#record = {
          firstStep: step,
          lastStep: step,
          longestStreak: Math.max(1, this.#record?.longestStreak ?? 0),
          persistent: this.#record?.persistent ?? false,
          loss: input.loss,
          spread,
        };
      }
      const record = this.#record!;
      record.lastStep = step;
      record.longestStreak = Math.max(record.longestStreak, this.#streak);
      if (this.#streak >= this.patience) record.persistent = true;
    } else {
      this.#streak = 0;
    }
    return {
      collapsed,
      persistent: this.#streak >= this.patience,
      streak: this.#streak,
      spread,
      meanDistance,
    };
  }

  /** The most recent collapse seen, if any (for `details`). */
  get record(): CollapseRecord | undefined {
    return this.#record ? { ...this.#record } : undefined;
  }
}
