/**
 * A residual block (He et al. 2016, "Deep residual learning for image recognition", figure 2):
 * y = ReLU(x + conv2(ReLU(conv1(x)))), two same-padded convolutions of the input's width around
 * an identity shortcut, so a tower grows deeper at the same map size. Not in the paper; a
 * validation study's tower (`triplet.tower=triplet-residual`, lib/models/towers.ts).
 *
 * The second convolution starts at zero (as Goyal et al. 2017 start each block's last batch-norm
 * scale, and Fixup, Zhang et al. 2019, its last layer), so a new block passes its input through
 * unchanged: the input is a ReLU's or a pool's output, non-negative, and ReLU(x + 0) = x. The towers
 * have no batch norm there, and a block that starts as the identity keeps a fresh net's signal
 * where the plain tower has it.
 *
 * A layer of its own rather than a functional graph: the towers stay `tfl.Sequential` (the
 * memory-bounded step, the saved models and the out-of-memory estimate read a layer list), and the
 * block saves and loads as one registered class.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/** Kernel side of the towers' residual blocks (`ConvSpec.residual`). */
export const TOWER_RESIDUAL_KERNEL = 3;

/** Arguments of {@link ResidualBlock}: its saved configuration. */
export interface ResidualBlockArgs {
  /** Layer name (`res2_1`: the first block after the second convolution stage). */
  name?: string;
  /** Square kernel side of both convolutions (odd, so that same padding is symmetric). */
  kernel: number;
  /** Seed of the first convolution's He-normal weights. */
  seed?: number;
}

/** `[batch, s, s, c]` -> `[batch, s, s, c]`: ReLU(x + conv2(ReLU(conv1(x)))). */
export class ResidualBlock extends tfl.layers.Layer {
  static className = "ResidualBlock";
  /**
   * Maps of the output's size a taped pass keeps (out_of_memory.ts's estimate): the first
   * convolution's output, the second's, their sum with the input, and its ReLU.
   */
  readonly tapedMaps = 4;
  readonly kernel: number;
  readonly seed?: number;

  constructor(args: ResidualBlockArgs) {
    super({ name: args.name });
    if (!(Number.isInteger(args.kernel) && args.kernel >= 1 && args.kernel % 2 === 1)) {
      throw new RangeError(
        `ResidualBlock: kernel must be an odd positive integer, got ${args.kernel}`,
      );
    }
    this.kernel = args.kernel;
    this.seed = args.seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== "number") {
      throw new RangeError(
        `ResidualBlock ${this.name}: input shape [${shape}] has no channel count`,
      );
    }
    const k = this.kernel;
    const kernelShape = [k, k, channels, channels];
    const he = tfl.initializers.randomNormal({
      mean: 0,
      stddev: Math.sqrt(2 / (k * k * channels)),
      seed: this.seed,
    });
    const zeros = tfl.initializers.zeros();
    // In this order in `this.weights`, which `call` reads.
    this.addWeight("conv1_kernel", kernelShape, "float32", he);
    this.addWeight("conv1_bias", [channels], "float32", zeros);
    this.addWeight("conv2_kernel", kernelShape, "float32", zeros);
    this.addWeight("conv2_bias", [channels], "float32", zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [k1, b1, k2, b2] = this.weights.map((w) => w.read());
      const h = tf.fused.conv2d({
        x,
        filter: k1 as tf.Tensor4D,
        bias: b1,
        strides: 1,
        pad: "same",
        activation: "relu",
      });
      const r = tf.fused.conv2d({
        x: h,
        filter: k2 as tf.Tensor4D,
        bias: b2,
        strides: 1,
        pad: "same",
      });
      return tf.relu(tf.add(x, r));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernel: this.kernel, seed: this.seed ?? null };
  }

  /** Rebuilds a saved block from {@link getConfig}'s output (the weights come from the file). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      name: config.name as string,
      kernel: config.kernel as number,
      seed: (config.seed as number | null) ?? undefined,
    });
  }
}
tf.serialization.registerClass(ResidualBlock);
