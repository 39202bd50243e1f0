/** An in-memory image classification dataset, images stored as bytes in NHWC order. */
export interface ImageDataset {
  /** Pixel bytes, `count * height * width * channels` long, row-major NHWC. */
  readonly images: Uint8Array;
  /** Class index per image, `count` long. */
  readonly labels: Uint8Array | Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** Human-readable class names, `numClasses` long. */
  readonly classNames: readonly string[];
}

/** A dataset split into its training and test parts. */
export interface DatasetSplits {
  readonly name: string;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** One batch on the host, ready to become tensors: normalised float pixels and class indices. */
export interface HostBatch {
  /** `size * height * width * channels` floats, NHWC. */
  readonly x: Float32Array;
  /** Class index per example, `size` long. */
  readonly labels: Int32Array;
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}
