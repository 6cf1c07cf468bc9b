/**
 * Model input of three adjacent sagittal slices per batch entry (2.5D). Channel 1 is the slice
 * being segmented, resampled as for a one-channel model. Channel 0 is its neighbour in the whole
 * series with the smaller position along the canonical frame normal, channel 2 the one with the
 * larger position, and a channel past either end of the stack is all zeros. Neighbours are
 * resampled on the centre slice's grid with the series' intensity window. Pure, except for the
 * cache of resampled planes that one `segment` call shares between its model runs.
 */
import type { InputChannels } from './modelContract.ts';
import {
  batchFromPrepared,
  gridCenterLpsMm,
  gridToImageMap,
  orderByPosition,
  resampleWithMap,
  slicePositionsMm,
  type GridOffset,
  type GridToImageMap,
  type ModelGrid,
  type ModelInput,
  type PreparedSeries,
} from './preprocess.ts';
import type { BuildBatch } from './sliceBatches.ts';

/** Series indices of one slice's neighbours along the frame normal, null past an end of the stack. */
export interface SliceNeighbours {
  /** Neighbour with the smaller position along the normal. */
  lowerIndex: number | null;
  /** Neighbour with the larger position along the normal. */
  upperIndex: number | null;
}

/**
 * Returns the neighbours of every slice, indexed like `positionsMm`: the slices before and after it
 * when all are sorted by position along the normal, ties by index. So two slices at one position
 * are each other's neighbours.
 */
export function sliceNeighbours(positionsMm: readonly number[]): SliceNeighbours[] {
  // NOTE: the training recipe puts neighbours 3 to 6 mm away, so on a stack of thinner slices the
  // adjacent slice is closer than any the model saw, and its accuracy there is not measured.
  const order = orderByPosition(positionsMm);
  const neighbours = new Array<SliceNeighbours>(positionsMm.length);
  order.forEach((sliceIndex, rank) => {
    neighbours[sliceIndex] = {
      lowerIndex: rank > 0 ? order[rank - 1] : null,
      upperIndex: rank < order.length - 1 ? order[rank + 1] : null,
    };
  });
  return neighbours;
}

/**
 * Largest difference of the image column or row at the grid centre between two grid placements
 * that share one resampled plane, pixels. It absorbs rounding in the projection between slices.
 */
const SAME_PLACEMENT_TOLERANCE_PX = 1e-6;

function samePlacement(a: GridToImageMap, b: GridToImageMap): boolean {
  return Math.abs(a.iAtCenter - b.iAtCenter) <= SAME_PLACEMENT_TOLERANCE_PX && Math.abs(a.jAtCenter - b.jAtCenter) <= SAME_PLACEMENT_TOLERANCE_PX;
}

/** Resampled slices of one series, each computed once per grid placement. */
export interface ResampledPlanes {
  /**
   * Returns slice `sliceIndex` resampled on the model grid of slice `gridSliceIndex` at `offset`,
   * float32 H x W. Callers must not modify it, because later requests return the same array.
   */
  plane(sliceIndex: number, gridSliceIndex: number, offset: GridOffset): Float32Array;
  /** Number of planes resampled so far. */
  resampledCount(): number;
}

/**
 * Creates the plane cache for one series and grid. In a parallel stack whose image centres lie on
 * one line along the normal, a slice has the same placement on its neighbour's grid as on its own,
 * so each slice is resampled once per grid offset. Any other stack resamples a neighbour again at
 * the centre slice's in-plane position.
 */
export function createResampledPlanes(prepared: PreparedSeries, grid: ModelGrid): ResampledPlanes {
  const { series, frame, window } = prepared;
  const planesBySlice = new Map<number, Array<{ map: GridToImageMap; plane: Float32Array }>>();
  let resampled = 0;

  const plane = (sliceIndex: number, gridSliceIndex: number, offset: GridOffset): Float32Array => {
    const image = series.images[sliceIndex];
    const requested = gridToImageMap(image, frame, grid, gridCenterLpsMm(series.images[gridSliceIndex], frame, offset));
    const entries = planesBySlice.get(sliceIndex) ?? [];
    const cached = entries.find((entry) => samePlacement(entry.map, requested));
    if (cached !== undefined) return cached.plane;

    // A placement within rounding of the slice's own grid uses the own grid, so channel 1 is
    // always resampled exactly as for a one-channel model.
    const own = gridToImageMap(image, frame, grid, gridCenterLpsMm(image, frame, offset));
    const map = samePlacement(own, requested) ? own : requested;
    const values = new Float32Array(grid.inputHeight * grid.inputWidth);
    resampleWithMap(image, map, window, grid, values);
    entries.push({ map, plane: values });
    planesBySlice.set(sliceIndex, entries);
    resampled += 1;
    return values;
  };
  return { plane, resampledCount: () => resampled };
}

/**
 * Builds a batch float32 [N,3,H,W]: for each slice its lower neighbour, itself and its upper
 * neighbour, all on the slice's own model grid at `offset`, with zeros where the stack ends.
 * `neighbours` is indexed like `series.images`.
 */
export function adjacentSliceBatch(
  prepared: PreparedSeries,
  grid: ModelGrid,
  sliceIndices: readonly number[],
  offset: GridOffset,
  neighbours: readonly SliceNeighbours[],
  planes: ResampledPlanes,
): ModelInput {
  const inputChannels = 3;
  const planeSize = grid.inputHeight * grid.inputWidth;
  const tensorData = new Float32Array(sliceIndices.length * inputChannels * planeSize);
  sliceIndices.forEach((sliceIndex, batchIndex) => {
    const { lowerIndex, upperIndex } = neighbours[sliceIndex];
    [lowerIndex, sliceIndex, upperIndex].forEach((channelSliceIndex, channel) => {
      // The tensor starts as zeros, which is the padding past an end of the stack.
      if (channelSliceIndex === null) return;
      tensorData.set(planes.plane(channelSliceIndex, sliceIndex, offset), (batchIndex * inputChannels + channel) * planeSize);
    });
  });
  return { tensorData, inputChannels, sliceIndices: [...sliceIndices], frame: prepared.frame, window: prepared.window, offset };
}

/**
 * Returns the batch builder of one `segment` call for a model with `inputChannels` channels. The
 * three-channel builder keeps its resampled planes until it is dropped, so create one per call.
 */
export function batchBuilder(prepared: PreparedSeries, grid: ModelGrid, inputChannels: InputChannels): BuildBatch {
  if (inputChannels === 1) return (sliceIndices, offset) => batchFromPrepared(prepared, grid, sliceIndices, offset);
  const neighbours = sliceNeighbours(slicePositionsMm(prepared.series, prepared.frame.normalLps));
  const planes = createResampledPlanes(prepared, grid);
  return (sliceIndices, offset) => adjacentSliceBatch(prepared, grid, sliceIndices, offset, neighbours, planes);
}
