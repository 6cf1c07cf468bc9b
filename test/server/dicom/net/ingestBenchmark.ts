/**
 * Measures C-STORE ingest: storescu sends one series of 256 x 256 16-bit MR slices to a listener
 * on 127.0.0.1 that feeds a real session hub (real DICOM parsing and journal, model doubles).
 * Reports instances per second and MB per second for each transfer syntax.
 *
 *   node --import tsx test/server/dicom/net/ingestBenchmark.ts [instances]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeMrImage } from '../../../../simulator/mrImageWriter.ts';
import { fakeImage, LOCALIZER_UID } from '../../session/doubles.ts';
import { startExam } from '../../session/hubHarness.ts';
import { startFixture } from './listenerHarness.ts';

const SIZE = 256;

function writeLargeSeries(folder: string, seriesInstanceUid: string, count: number): { paths: string[]; bytes: number } {
  const paths: string[] = [];
  let bytes = 0;
  for (let index = 0; index < count; index += 1) {
    const image = fakeImage(seriesInstanceUid, index);
    image.geometry = { ...image.geometry, rows: SIZE, columns: SIZE, spacingBetweenRowsMm: 1, spacingBetweenColumnsMm: 1 };
    image.pixels = new Float32Array(SIZE * SIZE).map((_, i) => (i * 7 + index * 13) % 1000);
    const encoded = writeMrImage(image);
    const path = join(folder, `${index + 1}.dcm`);
    writeFileSync(path, encoded);
    paths.push(path);
    bytes += encoded.length;
  }
  return { paths, bytes };
}

function send(port: number, files: string[], option: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn('/usr/bin/storescu', ['-aet', 'BENCH', '-aec', 'LUMBARCOPILOT', option, '127.0.0.1', String(port), ...files]);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - startedAt) : reject(new Error(`storescu exited with ${code}`))));
  });
}

const count = Number(process.argv[2] ?? 100);
const rows: string[] = [];
for (const [name, option] of [
  ['explicit VR little endian', '-xe'],
  ['implicit VR little endian', '-xi'],
  ['deflated explicit VR little endian', '-xd'],
] as const) {
  const fixture = await startFixture({ seriesQuietMs: 60_000 });
  try {
    await startExam(fixture.hub, 'bench-exam');
    const { paths, bytes } = writeLargeSeries(fixture.fileDir, LOCALIZER_UID, count);
    const elapsedMs = await send(fixture.listener.port, paths, option);
    const perSecond = (count / elapsedMs) * 1000;
    const megabytesPerSecond = (bytes / 1e6 / elapsedMs) * 1000;
    rows.push(`| ${name} | ${count} | ${(bytes / 1e6).toFixed(1)} | ${(elapsedMs / 1000).toFixed(2)} | ${perSecond.toFixed(0)} | ${megabytesPerSecond.toFixed(1)} |`);
  } finally {
    await fixture.close();
  }
}
console.log('| Transfer syntax | Instances | MB (Part 10) | Seconds | Instances/s | MB/s |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
