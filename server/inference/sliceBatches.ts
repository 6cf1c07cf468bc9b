/**
 * The model runs of one series: a first batch around the centre of the stack, then one small batch
 * per round while the slice window grows towards the edges of the spine (see `sliceSelection.ts`).
 * The model is a callback, so this module has no effects of its own.
 */
import { performance } from 'node:perf_hooks';
import { argmaxOnGrid, type BatchOutput, type GridArgmax } from './labelMapping.ts';
import type { ModelClass } from './modelContract.ts';
import { batchFromPrepared, type GridOffset, type ModelGrid, type ModelInput, type PreparedSeries } from './preprocess.ts';
import { growSliceWindow, initialSliceWindow, windowSliceIndices, type SliceSelectionOptions } from './sliceSelection.ts';
import { spineAreaPerSliceMm2 } from './spineCentering.ts';

/** Runs the model on float32 [batch,channels,H,W] and returns its probabilities, float32 [batch,C,H,W]. */
export type RunModel = (tensorData: Float32Array, batch: number) => Promise<Float32Array>;

/** Builder of the model's input batch from series indices and a grid offset. */
export type BuildBatch = (sliceIndices: readonly number[], offset: GridOffset) => ModelInput;

/** One model run: the series indices in batch order, the model output and its top class per pixel. */
export interface SliceBatch extends BatchOutput {
  sliceIndices: number[];
  argmax: GridArgmax;
}

/** Milliseconds spent outside the model, added to by `segmentGrowingWindow`. */
export interface StageTiming {
  preprocess: number;
  postprocess: number;
}

/**
 * Segments the slices of the growing window, one model run per round, and returns the batches in
 * run order. Resampling counts as preprocessing and the argmax as postprocessing in `timing`.
 * `buildBatch` defaults to one channel per slice.
 */
export async function segmentGrowingWindow(
  prepared: PreparedSeries,
  grid: ModelGrid,
  classes: readonly ModelClass[],
  offset: GridOffset,
  runModel: RunModel,
  options: SliceSelectionOptions,
  timing: StageTiming,
  buildBatch: BuildBatch = (sliceIndices, batchOffset) => batchFromPrepared(prepared, grid, sliceIndices, batchOffset),
): Promise<SliceBatch[]> {
  const gridPlane = grid.inputHeight * grid.inputWidth;
  const spineAreaMm2 = new Map<number, number>();
  const batches: SliceBatch[] = [];
  let window = initialSliceWindow(prepared.series, prepared.frame.normalLps, options);
  let pending = windowSliceIndices(window);

  while (pending.length > 0) {
    const resampleStarted = performance.now();
    const input = buildBatch(pending, offset);
    timing.preprocess += performance.now() - resampleStarted;

    const probabilities = await runModel(input.tensorData, pending.length);

    const argmaxStarted = performance.now();
    const argmax = argmaxOnGrid(probabilities, pending.length, classes.length, gridPlane);
    spineAreaPerSliceMm2(argmax.gridClass, pending.length, classes, grid).forEach((area, batchIndex) => spineAreaMm2.set(pending[batchIndex], area));
    batches.push({ sliceIndices: pending, probabilities, argmax });
    const grown = growSliceWindow(window, spineAreaMm2, options);
    window = grown.window;
    pending = grown.added;
    timing.postprocess += performance.now() - argmaxStarted;
  }
  return batches;
}
