/**
 * Where a trained model lives under a results folder, what it is called, and when a saved one
 * is reused instead of retrained (the hashes of the configurations that make models are
 * model_hashes.ts's).
 * The experiments, the MNIST transfer and the notebooks ask this module; no other file spells
 * out the layout:
 *
 * ```
 * <out>/models/siamese/                       the main Siamese net (method siamese-bce)
 *   tower/ head/                              tfjs layers format (model.json + weights.bin)
 *   siamese.json                              SiameseMeta, written last
 * <out>/models/siamese/table1/<pairs>-<plain|distorted>/   Table 1 models, same layout
 * <out>/models/siamese-triplet-tower/         the Siamese net on the triplet tower (same-tower)
 *   tower/ head/ siamese.json                 as models/siamese/
 * <out>/models/table1/<pairs>-<plain|distorted>/  the `table1` experiment's models, same layout
 * <out>/models/triplet-<miner>/               one triplet embedding per miner
 *   model.json weights.bin                    tfjs layers format
 *   training.json                             TripletTrainingRecord, written last
 * <dir>/checkpoint.bin                        while training: resumes a killed run
 * ```
 *
 * A model is reused when its record's `configHash` equals the hash of the configuration now
 * asked for; the hashes are what older runs wrote, so their saved models stay valid. The record
 * also keeps the sha256 of the model's files (model_checksums.ts): a model whose files no
 * longer match is retrained with a warning, never reused.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { SiameseConfig } from "../config.ts";
import { exists, writeFileAtomic } from "../data/files.ts";
import type { SiameseNet } from "../models/siamese_net.ts";
import { countParams } from "../models/koch.ts";
import type { HistoryPoint } from "../training/checkpoint.ts";
import type { CollapseRecord } from "../training/collapse.ts";
import type { TrainResult } from "../training/loop.ts";
import { loadLayersModel, saveLayersModel } from "../training/model_io.ts";
import {
  ModelChecksumError,
  type ModelChecksums,
  modelChecksums,
  verifyModelChecksums,
} from "./model_checksums.ts";
import type { TripletKindsPoint } from "../training/triplet_training.ts";

/** Method name of the main Siamese model's rows. */
export const SIAMESE_METHOD = "siamese-bce";
/** Method name of the Table 1 models (trained on a fixed pool of pairs). */
export const TABLE1_METHOD = "siamese-bce-fixed-pairs";

/** Method name of the `table1` experiment's models (fixed pools, trained until validation stalls). */
export const TABLE1_EXPERIMENT_METHOD = "siamese-bce-table1";

/** Method name (and folder) of the Siamese net trained on the triplet tower (`same-tower`). */
export const SAME_TOWER_METHOD = "siamese-triplet-tower";

/** Method name of a miner's rows and folder: `triplet-batch-hard`, ... */
export function tripletMethod(miner: string): string {
  return `triplet-${miner}`;
}

/** `<out>/models`. */
export function modelsDir(outDir: string): string {
  return `${outDir}/models`;
}

/** Folder of the main Siamese net. */
export function siameseDir(outDir: string): string {
  return `${modelsDir(outDir)}/siamese`;
}

/** One point of Table 1: a model trained on a fixed pool of pairs. */
export interface Table1Point {
  trainPairs: number;
  distortions: boolean;
}

/** Folder of a Table 1 model. */
export function table1Dir(outDir: string, point: Table1Point): string {
  return `${siameseDir(outDir)}/table1/${point.trainPairs}-${
    point.distortions ? "distorted" : "plain"
  }`;
}

/** Folder of a model of the `table1` experiment. */
export function table1ExperimentDir(outDir: string, point: Table1Point): string {
  return `${modelsDir(outDir)}/table1/${point.trainPairs}-${
    point.distortions ? "distorted" : "plain"
  }`;
}

/** Folder of a miner's triplet embedding. */
export function tripletDir(outDir: string, miner: string): string {
  return `${modelsDir(outDir)}/${tripletMethod(miner)}`;
}

/** Folder of the `same-tower` experiment's Siamese net. */
export function sameTowerDir(outDir: string): string {
  return `${modelsDir(outDir)}/${SAME_TOWER_METHOD}`;
}

/** What `siamese.json` holds. */
export interface SiameseMeta {
  configHash: string;
  seed: number;
  config: SiameseConfig | (SiameseConfig & { table1Point: Table1Point });
  training: Omit<TrainResult, "history"> & { pairsPerStep: number; params: number };
  history: HistoryPoint[];
  /** sha256 of the files of `SIAMESE_FORMAT.netFiles`, in the file only (absent before). */
  sha256?: ModelChecksums;
}

/**
 * The record saved beside a Siamese net `trainSiamese` just trained: its hash and seed, the
 * config it trained with, the training summary with the pairs per step and the parameter count,
 * and the curve. The three experiments that train Siamese nets (siamese, same-tower, table1)
 * record the same things.
 */
export function siameseMeta(
  trained: { net: SiameseNet; result: TrainResult; pairsPerStep: number },
  checkpoint: { configHash: string },
  seed: number,
  config: SiameseMeta["config"],
): SiameseMeta {
  const { history, ...summary } = trained.result;
  return {
    configHash: checkpoint.configHash,
    seed,
    config,
    training: {
      ...summary,
      pairsPerStep: trained.pairsPerStep,
      params: countParams(trained.net.tower) + countParams(trained.net.head),
    },
    history,
  };
}

/** What `training.json` beside a saved triplet embedding holds. */
export interface TripletTrainingRecord {
  configHash: string;
  miner: string;
  distance: string;
  steps: number;
  stoppedBy: string;
  bestStep: number;
  /** Best validation one-shot accuracy (320 trials, validation alphabets), percent. */
  bestValidation: number;
  /** Training seconds. */
  seconds: number;
  imagesPerSecond: number;
  /** Pairs whose distances entered the batches' matrices per second: P K (P K - 1) / 2 per step. */
  pairsPerSecond: number;
  history: HistoryPoint[];
  kinds: TripletKindsPoint[];
  collapse?: CollapseRecord;
  backend: string;
  /** sha256 of the files of `TRIPLET_FORMAT.netFiles`, in the file only (absent before). */
  sha256?: ModelChecksums;
}

/** How one kind of model is written and read. */
export interface ModelFormat<Net, Meta extends { configHash: string }> {
  /** The record beside the weights, written last: its presence says they are complete. */
  metaFile: string;
  /** Weight files that must be beside it. */
  weightFiles: string[];
  /** Every file of the saved net, whose sha256 the record keeps. */
  netFiles: string[];
  /** Save the net, then the record with the sha256 of its files. */
  save(net: Net, dir: string, meta: Meta): Promise<void>;
  /**
   * Load a saved net and its record (without the checksums, as `train` returned it).
   * @throws {ModelChecksumError} when a file does not match the sha256 recorded for it.
   */
  load(dir: string): Promise<{ net: Net; meta: Meta }>;
  dispose(net: Net): void;
}

/** The Siamese net: `tower/`, `head/` and `siamese.json`. */
export const SIAMESE_FORMAT: ModelFormat<SiameseNet, SiameseMeta> = {
  metaFile: "siamese.json",
  weightFiles: ["tower/model.json", "head/model.json"],
  netFiles: ["tower/model.json", "tower/weights.bin", "head/model.json", "head/weights.bin"],
  async save(net, dir, meta) {
    await saveLayersModel(net.tower, `${dir}/tower`);
    await saveLayersModel(net.head, `${dir}/head`);
    const sha256 = await modelChecksums(dir, SIAMESE_FORMAT.netFiles);
    await writeFileAtomic(
      `${dir}/siamese.json`,
      JSON.stringify({ ...meta, sha256 }, null, 2) + "\n",
    );
  },
  async load(dir) {
    const { sha256, ...meta } = JSON.parse(
      await Deno.readTextFile(`${dir}/siamese.json`),
    ) as SiameseMeta;
    await verifyModelChecksums(dir, sha256, "siamese.json");
    const tower = await loadLayersModel(`${dir}/tower`);
    return { net: { tower, head: await loadLayersModel(`${dir}/head`) }, meta };
  },
  dispose(net) {
    net.tower.dispose();
    net.head.dispose();
  },
};

/** A triplet embedding: `model.json`, `weights.bin` and `training.json`. */
export const TRIPLET_FORMAT: ModelFormat<tfl.LayersModel, TripletTrainingRecord> = {
  metaFile: "training.json",
  weightFiles: ["model.json"],
  netFiles: ["model.json", "weights.bin"],
  async save(model, dir, record) {
    await saveLayersModel(model, dir);
    const sha256 = await modelChecksums(dir, TRIPLET_FORMAT.netFiles);
    await writeFileAtomic(`${dir}/training.json`, JSON.stringify({ ...record, sha256 }, null, 1));
  },
  async load(dir) {
    const { sha256, ...meta } = JSON.parse(
      await Deno.readTextFile(`${dir}/training.json`),
    ) as TripletTrainingRecord;
    await verifyModelChecksums(dir, sha256, "training.json");
    return { net: await loadLayersModel(dir), meta };
  },
  dispose(model) {
    model.dispose();
  },
};

/** Load the Siamese net saved in `dir`. */
export function loadSiamese(dir: string): Promise<{ net: SiameseNet; meta: SiameseMeta }> {
  return SIAMESE_FORMAT.load(dir);
}

/** Load the triplet embedding saved in `dir`. */
export function loadTriplet(
  dir: string,
): Promise<{ net: tfl.LayersModel; meta: TripletTrainingRecord }> {
  return TRIPLET_FORMAT.load(dir);
}

/** Whether `dir` holds a complete saved model of `format`. */
export async function isSaved<Net, Meta extends { configHash: string }>(
  format: ModelFormat<Net, Meta>,
  dir: string,
): Promise<boolean> {
  for (const file of [format.metaFile, ...format.weightFiles]) {
    if (!(await exists(`${dir}/${file}`))) return false;
  }
  return true;
}

/** The hash recorded with the model saved in `dir`, if there is one. */
export async function savedHash<Net, Meta extends { configHash: string }>(
  format: ModelFormat<Net, Meta>,
  dir: string,
): Promise<string | undefined> {
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/${format.metaFile}`));
    return typeof meta?.configHash === "string" ? meta.configHash : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link reuseOrTrain}. */
export interface ReuseOrTrainOptions<Net, Meta extends { configHash: string }> {
  format: ModelFormat<Net, Meta>;
  dir: string;
  /** Hash of the configuration asked for. */
  hash: string;
  /** Name in the log lines. */
  label: string;
  log: (line: string) => void;
  /** Train a model; the loop checkpoints to `checkpoint` so a killed run resumes. */
  train: (checkpoint: { path: string; configHash: string }) => Promise<{ net: Net; meta: Meta }>;
}

/**
 * The model saved in `dir` when it was made by the configuration hashed as `hash`; else a
 * new one from `train`, saved there (a stale or unreadable one is replaced).
 */
export async function reuseOrTrain<Net, Meta extends { configHash: string }>(
  options: ReuseOrTrainOptions<Net, Meta>,
): Promise<{ net: Net; meta: Meta; reused: boolean }> {
  const { format, dir, hash, label, log } = options;
  if (await isSaved(format, dir)) {
    try {
      const saved = await format.load(dir);
      if (saved.meta.configHash === hash) {
        log(`  ${label}: reusing the saved model in ${dir} (config ${hash})`);
        return { ...saved, reused: true };
      }
      format.dispose(saved.net);
      log(`  ${label}: the saved model in ${dir} has another configuration; retraining`);
    } catch (err) {
      log(
        err instanceof ModelChecksumError
          ? `  warning: ${label}: ${err.message}; retraining it instead of reusing it`
          : `  ${label}: cannot load the saved model in ${dir} (${
            (err as Error).message
          }); retraining`,
      );
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  const checkpoint = { path: `${dir}/checkpoint.bin`, configHash: hash };
  const trained = await options.train(checkpoint);
  await format.save(trained.net, dir, trained.meta);
  await Deno.remove(checkpoint.path).catch(() => {});
  return { ...trained, reused: false };
}
