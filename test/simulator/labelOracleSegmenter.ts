/**
 * A segmenter test double that takes its result from the phantom's label volume: it resamples
 * the labels onto the localizer's own grid, maps each phantom label to its model class and runs
 * the real post-processing. It stands in for the ONNX model where a test needs the loop and not
 * the model.
 */
import type { MrSeries } from '../../server/dicom/types.ts';
import type { VolumeLps } from '../../server/geometry/types.ts';
import { EXPECTED_CLASSES } from '../../server/inference/modelContract.ts';
import { postprocess } from '../../server/inference/postprocess.ts';
import type { SegmentationResult, Segmenter } from '../../server/inference/types.ts';
import { LABEL_TABLE } from '../../simulator/phantom/index.ts';
import { resliceLabels, type PlaneStackGeometry } from '../../simulator/reslice.ts';

function stackOfSeries(series: MrSeries): PlaneStackGeometry {
  const first = series.images[0].geometry;
  const last = series.images[series.images.length - 1].geometry;
  const row = first.rowCosineLps;
  const column = first.columnCosineLps;
  const normal = [row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2], row[0] * column[1] - row[1] * column[0]];
  const step = series.images.length > 1 ? first.imagePositionLpsMm.map((value, axis) => (last.imagePositionLpsMm[axis] - value) / (series.images.length - 1)) : normal;
  const spacing = Math.hypot(step[0], step[1], step[2]);
  return {
    firstImagePositionLpsMm: first.imagePositionLpsMm,
    rowCosineLps: row,
    columnCosineLps: column,
    sliceDirectionLps: [step[0] / spacing, step[1] / spacing, step[2] / spacing] as PlaneStackGeometry['sliceDirectionLps'],
    sliceCount: series.images.length,
    sliceSpacingMm: spacing,
    sliceThicknessMm: series.images[0].sliceThicknessMm ?? spacing,
    rows: first.rows,
    columns: first.columns,
    spacingBetweenRowsMm: first.spacingBetweenRowsMm,
    spacingBetweenColumnsMm: first.spacingBetweenColumnsMm,
  };
}

export function createLabelOracleSegmenter(labels: VolumeLps<Uint8Array>): Segmenter & { calls: number } {
  const classOfLabel = new Uint8Array(256);
  for (const [value, info] of LABEL_TABLE) classOfLabel[value] = EXPECTED_CLASSES.indexOf(info.modelClass);
  const description = { name: 'label-oracle', version: 'test', executionProvider: 'cpu' };
  const segmenter = {
    calls: 0,
    describe: () => ({ ...description }),
    async segment(series: MrSeries): Promise<SegmentationResult> {
      segmenter.calls += 1;
      const stack = stackOfSeries(series);
      const planes = resliceLabels(labels, stack);
      const { rows, columns } = stack;
      const classIndex = new Uint8Array(rows * columns * planes.length);
      planes.forEach((plane, slice) => plane.forEach((value, pixel) => (classIndex[slice * rows * columns + pixel] = classOfLabel[value])));
      const probability = new Float32Array(classIndex.length).fill(0.99);
      const normal = stack.sliceDirectionLps;
      const result = postprocess(series, { classIndex, probability, segmentedSlices: planes.map(() => true) }, EXPECTED_CLASSES, [normal[0], normal[1], normal[2]]);
      return {
        seriesInstanceUid: series.seriesInstanceUid,
        frameOfReferenceUid: series.frameOfReferenceUid,
        ...result,
        dims: { columns, rows, slices: planes.length },
        model: description,
        timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
      };
    },
  };
  return segmenter;
}
