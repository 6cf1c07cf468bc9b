/**
 * Simulator benchmark: volume reading, reslicing, DICOM writing and whole exams against a
 * loopback server. Run: `node --import tsx test/simulator/benchmark.ts`. Prints Markdown rows.
 */
import { existsSync } from 'node:fs';

import { loadExamCase } from '../../simulator/caseSource.ts';
import { defaultLocalizerStack } from '../../simulator/acquisition.ts';
import { writeMrImage } from '../../simulator/mrImageWriter.ts';
import { planeStackAround, resliceImage, resliceToMrImages } from '../../simulator/reslice.ts';
import { runSimulatedExam } from '../../simulator/scanner.ts';
import { readVolume } from '../../simulator/volumes/index.ts';
import { startExamServer, writeSingleLevelProtocol } from './examHarness.ts';
import { createLabelOracleSegmenter } from './labelOracleSegmenter.ts';

/** Public data beside the repository (read-only, absent on some machines). */
const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeMs(run: () => unknown | Promise<unknown>, repeats: number): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < repeats; index++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const rows: string[] = ['| step | input | median ms |', '| --- | --- | --- |'];

for (const path of [SHARED_DATA + '/lumbar-t2-discs/case-11_image.nii.gz', SHARED_DATA + '/lumbar-t2-vertebrae/case-02_image.nii.gz']) {
  if (!existsSync(path)) continue;
  const volume = await readVolume(path);
  rows.push(`| readVolume (image and labels) | ${path.split('/').slice(-2).join('/')}, ${volume.image.dims.join('x')} | ${(await timeMs(() => readVolume(path), 3)).toFixed(0)} |`);
}

const phantom = await loadExamCase('phantom:2');
rows.push(`| generatePhantom and truth | phantom:2, ${phantom.image.dims.join('x')} voxels | ${(await timeMs(() => loadExamCase('phantom:2'), 1)).toFixed(0)} |`);

const localizer = defaultLocalizerStack(phantom.image, phantom.localizerCenterLpsMm);
rows.push(`| resliceImage, sagittal localizer | ${localizer.sliceCount} x ${localizer.rows}x${localizer.columns}, 4 samples across 4 mm | ${(await timeMs(() => resliceImage(phantom.image, localizer), 3)).toFixed(0)} |`);
const disc = phantom.truth.find((entry) => entry.level === 'L4/L5') ?? phantom.truth[0];
const slab = planeStackAround({ centerLpsMm: disc.centerLpsMm, rowCosineLps: [1, 0, 0], columnCosineLps: [0, disc.normalLps[2], -disc.normalLps[1]], sliceCount: 5, sliceThicknessMm: 4, gapMm: 0.4, rows: 256, columns: 256, pixelSpacingMm: 180 / 256 });
rows.push(`| resliceImage, oblique disc slab | 5 x 256x256, 4 samples across 4 mm | ${(await timeMs(() => resliceImage(phantom.image, slab), 3)).toFixed(0)} |`);

const [image] = resliceToMrImages(phantom.image, localizer, {
  studyInstanceUid: '2.25.1',
  seriesInstanceUid: '2.25.2',
  frameOfReferenceUid: '2.25.3',
  seriesNumber: 1,
  seriesDescription: 'BENCH',
  patientPosition: 'HFS',
  sopInstanceUid: (index) => `2.25.4.${index}`,
  phaseEncodingDirection: 'ROW',
  acquisitionTime: null,
  patient: { name: 'SIMULATED^PHANTOM', id: 'SIM-BENCH', birthDate: '' },
}, { thicknessSamples: 1 });
rows.push(`| writeMrImage | one ${image.geometry.rows}x${image.geometry.columns} image | ${(await timeMs(() => writeMrImage(image), 20)).toFixed(1)} |`);

if (phantom.labels !== null) {
  const server = await startExamServer(createLabelOracleSegmenter(phantom.labels as typeof phantom.labels & { data: Uint8Array }));
  try {
    for (const [name, protocol] of [['lumbar-routine (sagittal + 5 discs)', 'lumbar-routine'], ['one disc level', writeSingleLevelProtocol('L3/L4')]] as const) {
      const report = await runSimulatedExam({ serverUrl: server.url, token: server.token, case: phantom, autoConfirm: true, protocol });
      rows.push(`| whole exam, fast pace, ${name} | phantom:2, ${report.images.sent} images, completed ${report.completed}, localizer to proposal ${report.latencyMs} ms | ${report.durationMs} |`);
    }
  } finally {
    await server.close();
  }
}

process.stdout.write(`${rows.join('\n')}\n`);
