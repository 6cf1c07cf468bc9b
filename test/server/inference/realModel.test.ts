/**
 * The shipped model on a real public case. Skipped, with a message, when the model file or the
 * public data folder is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listDatasetCases, readVolume } from '../../../simulator/volumes/index.ts';
import { isValidationCase, readHeldOutSplit } from '../../../server/inference/evaluation/split.ts';
import { evaluateVolumeCase } from '../../../server/inference/evaluation/volumeCase.ts';
import { createOnnxSegmenter } from '../../../server/inference/onnxSegmenter.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const MODEL_PATH = join(ROOT, 'models/lumbar-seg.onnx');
const SPLIT_PATH = join(ROOT, 'models/split.json');
const DATA_FOLDER = resolve(ROOT, '../shared/data');
/** Lowest acceptable Dice on one held-out case; well below the targets so that only a broken pipeline fails. */
const MIN_DISC_DICE = 0.6;
const MIN_VERTEBRA_DICE = 0.6;

/** First held-out case of a dataset, or the first case when the split file is absent. */
function heldOutCase(dataset: string) {
  const cases = listDatasetCases(join(DATA_FOLDER, dataset));
  if (!existsSync(SPLIT_PATH)) return cases[0];
  const split = readHeldOutSplit(SPLIT_PATH);
  return cases.find((entry) => isValidationCase(split, dataset, entry.caseId, entry.imagePath)) ?? cases[0];
}

const missing = [MODEL_PATH, join(DATA_FOLDER, 'lumbar-t2-discs'), join(DATA_FOLDER, 'lumbar-t2-vertebrae')].filter((path) => !existsSync(path));

if (missing.length > 0) {
  process.stderr.write(`realModel.test.ts skipped: ${missing.join(', ')} not found.\n`);
  test.skip('real model: disc Dice on a T2 case', () => {});
  test.skip('real model: vertebra Dice on a T2 case', () => {});
} else {
  for (const [dataset, kind, floor] of [
    ['lumbar-t2-discs', 'disc', MIN_DISC_DICE],
    ['lumbar-t2-vertebrae', 'vertebra', MIN_VERTEBRA_DICE],
  ] as const) {
    test(`real model: ${kind} Dice on a T2 case`, async () => {
      const segmenter = await createOnnxSegmenter({ modelPath: MODEL_PATH });
      const entry = heldOutCase(dataset);
      const volume = await readVolume(entry.imagePath);
      assert.ok(volume.labels, `${entry.imagePath} has no labels`);
      const result = await evaluateVolumeCase(
        segmenter,
        { image: volume.image, labels: volume.labels, labelNames: volume.labelNames },
        dataset,
        entry.caseId,
        null,
      );
      assert.is(result.error, null);
      const score = result.dice[kind] ?? 0;
      assert.ok(score >= floor, `${dataset} case ${entry.caseId}: ${kind} Dice ${score.toFixed(3)} is below ${floor}`);
    });
  }
}

test.run();
