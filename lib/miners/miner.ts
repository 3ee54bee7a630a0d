/**
 * Miners choose which (anchor, positive, negative) triplets of a P x K batch the loss
 * sees. They read the batch's distance matrix (plain numbers: choosing indices needs no
 * gradient) and the labels, and return indices; the loss then gathers those distances
 * from the differentiable matrix. FaceNet section 3.2: "it is crucial to select hard
 * triplets"; the miners differ only in which.
 */

/** Input of a miner: an `[n, n]` distance matrix, row-major, and the `[n]` labels. */
export interface MinerInput {
  /** `distances[i * n + j]` = d(i, j). */
  distances: ArrayLike<number>;
  /** Class of each embedding; equal labels = same class. */
  labels: ArrayLike<number>;
}

/** Mined triplets as parallel index arrays (all the same length). */
export interface Triplets {
  anchors: Int32Array;
  positives: Int32Array;
  negatives: Int32Array;
}

/** A triplet miner. */
export interface Miner {
  /** Name written in method names and logs (`batch-hard`, `semi-hard`, ...). */
  readonly name: string;
  mine(input: MinerInput): Triplets;
}

/** Number of embeddings in a miner input, checking the matrix is `[n, n]`. */
export function batchSize(input: MinerInput, who: string): number {
  const n = input.labels.length;
  if (input.distances.length !== n * n) {
    throw new RangeError(
      `${who}: distances has ${input.distances.length} entries, expected ${n} x ${n} for ${n} labels`,
    );
  }
  return n;
}

/** Collects triplets into growable arrays. */
export class TripletBuffer {
  #a: number[] = [];
  #p: number[] = [];
  #n: number[] = [];

  push(anchor: number, positive: number, negative: number): void {
    this.#a.push(anchor);
    this.#p.push(positive);
    this.#n.push(negative);
  }

  get length(): number {
    return this.#a.length;
  }

  triplets(): Triplets {
    return {
      anchors: Int32Array.from(this.#a),
      positives: Int32Array.from(this.#p),
      negatives: Int32Array.from(this.#n),
    };
  }
}
