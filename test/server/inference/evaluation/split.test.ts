import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isTrainingCase, isValidationCase, readHeldOutSplit, splitMentionsDataset, SplitError } from '../../../../server/inference/evaluation/split.ts';

const folder = mkdtempSync(join(tmpdir(), 'lumbar-split-'));

/** Disc set split with one training and one validation case. */
const DISC_SET_ROLES = {
  'lumbar-t2-discs': [
    { case: 'case-11_image.nii.gz', role: 'train' },
    { case: 'case-20_image.nii.gz', role: 'validation' },
  ],
};

function writeSplit(content: unknown): string {
  const path = join(folder, `split-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('split: list of dataset paths', () => {
  const split = readHeldOutSplit(
    writeSplit({ train: ['lumbar-t2-discs/case-11_image.nii.gz'], validation: ['lumbar-t2-discs/case-20_image.nii.gz'] }),
  );
  assert.ok(isValidationCase(split, 'lumbar-t2-discs', '20', '/data/lumbar-t2-discs/case-20_image.nii.gz'));
  assert.not.ok(isValidationCase(split, 'lumbar-t2-discs', '11', '/data/lumbar-t2-discs/case-11_image.nii.gz'));
  assert.not.ok(isValidationCase(split, 'lumbar-dixon-vertebrae', '20', '/data/lumbar-dixon-vertebrae/case-20_image.nii.gz'));
  assert.ok(splitMentionsDataset(split, 'lumbar-t2-discs'));
  assert.not.ok(splitMentionsDataset(split, 'sudirman-midsagittal'));
});

test('split: sets with roles', () => {
  const split = readHeldOutSplit(
    writeSplit({
      sets: DISC_SET_ROLES,
      phantomTrainingSeeds: [1, 2],
    }),
  );
  assert.ok(isValidationCase(split, 'lumbar-t2-discs', '20', '/data/lumbar-t2-discs/case-20_image.nii.gz'));
  assert.not.ok(isValidationCase(split, 'lumbar-t2-discs', '11', '/data/lumbar-t2-discs/case-11_image.nii.gz'));
  assert.ok(splitMentionsDataset(split, 'lumbar-t2-discs'));
  assert.not.ok(splitMentionsDataset(split, 'sudirman-midsagittal'));
});

test('split: training cases', () => {
  const split = readHeldOutSplit(
    writeSplit({
      sets: DISC_SET_ROLES,
    }),
  );
  assert.ok(isTrainingCase(split, 'lumbar-t2-discs', '11', '/data/lumbar-t2-discs/case-11_image.nii.gz'));
  assert.not.ok(isTrainingCase(split, 'lumbar-t2-discs', '20', '/data/lumbar-t2-discs/case-20_image.nii.gz'));
  assert.not.ok(isTrainingCase(split, 'lumbar-t2-discs', '42', '/data/lumbar-t2-discs/case-42_image.nii.gz'));
  assert.not.ok(isTrainingCase(split, 'sudirman-midsagittal', '11', '/data/sudirman-midsagittal/images/case-11.png'));
});

test('split: object keyed by dataset', () => {
  const split = readHeldOutSplit(writeSplit({ validation: { 'lumbar-dixon-vertebrae': ['03', 'case-07'] } }));
  assert.ok(isValidationCase(split, 'lumbar-dixon-vertebrae', '03', 'x/case-03_image.nii.gz'));
  assert.ok(isValidationCase(split, 'lumbar-dixon-vertebrae', '07', 'x/case-07_image.nii.gz'));
  assert.not.ok(isValidationCase(split, 'lumbar-dixon-vertebrae', '04', 'x/case-04_image.nii.gz'));
});

test('split: missing and invalid files', () => {
  for (const [path, code] of [
    [join(folder, 'absent.json'), 'ERR_SPLIT_NOT_FOUND'],
    [writeSplit('{ not json'), 'ERR_INVALID_SPLIT'],
    [writeSplit({ train: [] }), 'ERR_INVALID_SPLIT'],
  ]) {
    try {
      readHeldOutSplit(path);
      assert.unreachable(`expected ${code}`);
    } catch (error) {
      assert.instance(error, SplitError);
      assert.is((error as SplitError).code, code);
    }
  }
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
