/**
 * What a bounded training slice showed (gpu-check's 3-minute slice of the paper profile): steps,
 * steps per second, whether the loss fell, and the validation accuracy. Read from the saved
 * model's record (`siamese.json`: the training summary and the history) and from the console of
 * the run, whose progress lines (every 30 s off a terminal) carry single-step losses: a slice
 * shorter than one validation interval has one history point only, so it cannot show a falling
 * loss by itself.
 */
import type { HistoryPoint } from "./checkpoint.ts";

/** The parts of a saved model's record a slice summary reads (`SiameseMeta`). */
export interface SliceRecord {
  training: { steps: number; stoppedBy: string; seconds: number; bestAccuracy: number };
  history: HistoryPoint[];
}

/** One loss the console printed: `<label> [###...] step/total ...  loss X`. */
export interface ConsoleLoss {
  step: number;
  loss: number;
}

/** A slice's result, for report.json and the console. */
export interface SliceSummary {
  /** Steps trained (from the record, else the last progress line). */
  steps: number;
  /** Steps per second of training time (wall time of the console's lines without a record). */
  stepsPerSecond: number;
  /** How the slice stopped: the record's `stoppedBy`, or why there is no record. */
  stoppedBy: string;
  firstLoss: number | null;
  lastLoss: number | null;
  /** Whether the last loss is below the first; null when fewer than two losses were seen. */
  lossFalling: boolean | null;
  /**
   * `history`: mean losses between validations (two or more history points);
   * `console`: single-step losses of the progress lines; `none`: fewer than two.
   */
  lossSource: "history" | "console" | "none";
  /** Validation accuracy (percent) of the last validation, null when none ran. */
  validationAccuracy: number | null;
  /** Validations run. */
  validations: number;
  /** Wall seconds of the whole run (loading, training, validation, saving). */
  wallSeconds: number;
}

const PROGRESS_LINE = /^(.+?) \[[#.]+\] (\d+)\/(\d+) .*?\s{2}loss (-?[\d.]+(?:e-?\d+)?)/;

/** The losses of `label`'s progress lines in a run's console text, in order. */
export function consoleLosses(text: string, label: string): ConsoleLoss[] {
  const losses: ConsoleLoss[] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const m = PROGRESS_LINE.exec(line.trim());
    if (m && m[1] === label) losses.push({ step: Number(m[2]), loss: Number(m[4]) });
  }
  return losses;
}

/**
 * Summarise a slice from its saved record (undefined when the run ended before saving the
 * model) and its console text. `label` is the progress label of the trained model
 * (`siamese` for the main Siamese net); `stopped` says why there is no record, when there is none.
 */
export function sliceSummary(options: {
  record?: SliceRecord;
  console: string;
  label: string;
  wallSeconds: number;
  stopped?: string;
}): SliceSummary {
  const { record, wallSeconds } = options;
  const printed = consoleLosses(options.console, options.label);
  const history = record?.history ?? [];
  const losses = history.length >= 2
    ? { source: "history" as const, values: history.map((p) => p.loss) }
    : printed.length >= 2
    ? { source: "console" as const, values: printed.map((p) => p.loss) }
    : { source: "none" as const, values: [] };
  const firstLoss = losses.values.length ? losses.values[0] : null;
  const lastLoss = losses.values.length ? losses.values[losses.values.length - 1] : null;
  const validated = history.filter((p) => p.accuracy !== undefined);
  const steps = record?.training.steps ?? (printed.length ? printed[printed.length - 1].step : 0);
  const seconds = record?.training.seconds ?? wallSeconds;
  return {
    steps,
    stepsPerSecond: seconds > 0 ? steps / seconds : 0,
    stoppedBy: record?.training.stoppedBy ??
      options.stopped ?? "the run ended before saving the model",
    firstLoss,
    lastLoss,
    lossFalling: losses.values.length >= 2 ? lastLoss! < firstLoss! : null,
    lossSource: losses.source,
    validationAccuracy: validated.length ? validated[validated.length - 1].accuracy! : null,
    validations: validated.length,
    wallSeconds,
  };
}

/** One console line: `paper slice: 812 steps (4.51/s), loss 0.693 -> 0.512 (falling), ...`. */
export function describeSliceSummary(s: SliceSummary): string {
  const loss = s.lossFalling === null
    ? "loss: fewer than two values seen"
    : `loss ${s.firstLoss!.toFixed(3)} -> ${s.lastLoss!.toFixed(3)} (${
      s.lossFalling ? "falling" : "NOT falling"
    }, ${s.lossSource === "history" ? "means between validations" : "single steps"})`;
  const validation = s.validationAccuracy === null
    ? "no validation"
    : `validation ${s.validationAccuracy.toFixed(1)}% (${s.validations} validation${
      s.validations === 1 ? "" : "s"
    })`;
  return `${s.steps} steps (${s.stepsPerSecond.toFixed(2)}/s, stopped by ${s.stoppedBy}), ` +
    `${loss}, ${validation}, ${s.wallSeconds.toFixed(0)} s wall`;
}
