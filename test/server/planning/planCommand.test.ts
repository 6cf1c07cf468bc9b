import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run } from '../../../server/planning/planCommand.ts';
import { readLocalizerInput } from '../../../server/planning/localizerInput.ts';
import { writeClassicImage } from '../dicom/dicomFixtures.ts';
import { captureOutput } from '../commandLine/captureOutput.ts';

test('help prints usage', async () => {
  const { code, stdout } = await captureOutput(() => run(['--help']));
  assert.is(code, 0);
  assert.match(stdout, /Usage: lumbar-copilot plan/);
  assert.match(stdout, /--protocol NAME/);
});

test('missing input is a usage error', async () => {
  const { code, stderr } = await captureOutput(() => run([]));
  assert.is(code, 2);
  assert.match(stderr, /Expected one input/);
});

test('unknown option is a usage error', async () => {
  const { code, stderr } = await captureOutput(() => run(['phantom', '--fast']));
  assert.is(code, 2);
  assert.match(stderr, /--fast/);
});

test('misspelled option names the fix', async () => {
  const { code, stderr } = await captureOutput(() => run(['phantom', '--jsn']));
  assert.is(code, 2);
  assert.is(stderr, 'Unknown option --jsn. Did you mean --json? Run lumbar-copilot plan --help for the options.\n');
});

test('unknown protocol is a usage error', async () => {
  const { code, stderr } = await captureOutput(() => run(['phantom', '--protocol', 'no-such-protocol']));
  assert.is(code, 2);
  assert.match(stderr, /^Invalid --protocol "no-such-protocol": Protocol "no-such-protocol" not found\. Known protocols: .*lumbar-routine/);
});

test('unreadable input is a usage error', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'plan-input-'));
  try {
    const notes = join(folder, 'notes.md');
    writeFileSync(notes, '# not a volume\n');
    const cases: { input: string; message: RegExp }[] = [
      { input: join(folder, 'nope.nii.gz'), message: /not found/ },
      { input: notes, message: /unknown volume format/ },
      { input: folder, message: /No DICOM Part 10 files found/ },
      { input: 'phantom:x', message: /^Invalid phantom seed "x"/ },
    ];
    for (const { input, message } of cases) {
      const result = await captureOutput(() => run([input, '--labels']));
      assert.is(result.code, 2, `exit code for ${input}`);
      assert.match(result.stderr, message, `message for ${input}`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('help states the exit codes', async () => {
  const { stdout } = await captureOutput(() => run(['--help']));
  assert.match(stdout, /Exit status: 0 when the plan is printed, 1 when segmentation or planning fails, 2 for invalid/);
});

/** Writes a 3-plane localizer as one series: 3 sagittal, 2 coronal and 2 axial images. */
function writeThreePlaneFolder(folder: string): void {
  const planes = [
    ...[-4, 0, 4].map((x) => ({ orientation: [0, 1, 0, 0, 0, -1], position: [x, -50, 50] })),
    ...[-4, 4].map((y) => ({ orientation: [1, 0, 0, 0, 0, -1], position: [-50, y, 50] })),
    ...[-4, 4].map((z) => ({ orientation: [1, 0, 0, 0, 1, 0], position: [-50, -50, z] })),
  ];
  planes.forEach((plane, index) => {
    const bytes = writeClassicImage({
      sopInstanceUid: `1.2.826.0.1.3680043.9.5.${index + 1}`,
      imageOrientationPatient: plane.orientation,
      imagePositionPatient: plane.position,
      instanceNumber: index + 1,
    });
    writeFileSync(join(folder, `image-${index + 1}.dcm`), bytes);
  });
  writeFileSync(join(folder, 'README.txt'), 'not DICOM');
}

test('three-plane folder yields the sagittal stack', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'localizer-'));
  try {
    writeThreePlaneFolder(folder);
    const input = await readLocalizerInput(folder);
    assert.is(input.localizer.images.length, 3);
    assert.ok(input.localizer.images.every((image) => image.geometry.rowCosineLps[1] === 1));
    assert.is(input.referenceSegmentation, null);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('labels flag on a DICOM folder fails clearly', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'localizer-'));
  try {
    writeThreePlaneFolder(folder);
    const { code, stderr } = await captureOutput(() => run([folder, '--labels']));
    assert.is(code, 2);
    assert.match(stderr, /^--labels needs an input with a label map/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('empty folder fails clearly', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'localizer-'));
  try {
    await readLocalizerInput(folder).then(
      () => assert.unreachable('expected an error'),
      (error: unknown) => assert.match((error as Error).message, /No DICOM Part 10 files found/),
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
