/**
 * The sha256 of a saved model's files, recorded in its metadata (`siamese.json`,
 * `training.json`) when it is saved and checked whenever it is loaded. The metadata is
 * written last, so its presence says the weights are complete, but not that they are intact:
 * a weights file damaged later at the same size (a disk error, a bad copy) loaded silently
 * and gave other numbers. As with checkpoints (lib/training/checkpoint.ts), a damaged model is
 * never used; the experiments retrain it with a warning naming the file.
 *
 * Models saved before the checksums were recorded carry none and load as before (they are
 * hours of training); the config hash is unchanged, so they are still reused.
 */
import { digest } from "../data/files.ts";

/** sha256 (hex) of each file of a saved model, by path relative to its folder. */
export type ModelChecksums = Record<string, string>;

/** A saved model's file does not match the sha256 its metadata recorded when it was saved. */
export class ModelChecksumError extends Error {
  /** The damaged file's path. */
  readonly file: string;

  constructor(file: string, metaFile: string) {
    super(
      `${file} does not match the sha256 recorded in ${metaFile} when it was saved ` +
        `(damaged or changed since)`,
    );
    this.name = "ModelChecksumError";
    this.file = file;
  }
}

/** The sha256 of `files` (paths relative to `dir`). */
export async function modelChecksums(
  dir: string,
  files: readonly string[],
): Promise<ModelChecksums> {
  const out: ModelChecksums = {};
  for (const f of files) out[f] = digest(await Deno.readFile(`${dir}/${f}`));
  return out;
}

/**
 * Check the files of the model in `dir` against `recorded` (the checksums in its metadata
 * file `metaFile`); nothing to check when none were recorded (a model saved before them).
 * @throws {ModelChecksumError} naming the first file that does not match.
 */
export async function verifyModelChecksums(
  dir: string,
  recorded: ModelChecksums | undefined,
  metaFile: string,
): Promise<void> {
  if (recorded === undefined) return;
  for (const [file, sum] of Object.entries(recorded)) {
    if (digest(await Deno.readFile(`${dir}/${file}`)) !== sum) {
      throw new ModelChecksumError(`${dir}/${file}`, `${dir}/${metaFile}`);
    }
  }
}
