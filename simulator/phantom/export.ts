/**
 * Writes phantom cases for model training:
 *
 *   node --import tsx simulator/phantom/export.ts --count N --seed S --out DIR [--voxel-size MM] [--with-image]
 *
 * Case n uses seed S + n and produces `phantom-<seed>_labels.nii.gz` (uint8 labels),
 * `phantom-<seed>.json` (geometry, variant and ground truth) and, with `--with-image`,
 * `phantom-<seed>_image.nii.gz` (the default T2 rendering, float32). `labels.json` in DIR lists
 * every label value with its name, tissue and model class, so training can render any contrast.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { prepareWritableFolder } from '../../server/commandLine/outputPaths.ts';
import { LABEL_TABLE, MODEL_CLASSES, TISSUES } from './labels.ts';
import { generatePhantom } from './index.ts';
import { encodeNifti } from './nifti.ts';

const USAGE =
  'Usage: node --import tsx simulator/phantom/export.ts --count N --seed S --out DIR [--voxel-size MM] [--with-image]';

function parseInteger(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} is ${text ?? 'missing'}, expected an integer from ${min} to ${max}. ${USAGE}`);
  }
  return value;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'voxel-size': { type: 'string', default: '1' },
      'with-image': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = parseInteger('count', values.count, 1, 10000);
  const firstSeed = parseInteger('seed', values.seed, 0, 2 ** 31 - 1);
  const voxelSizeMm = Number(values['voxel-size']);
  if (values.out === undefined) throw new RangeError(`--out is missing: name the folder to write the cases to. ${USAGE}`);
  const outDir = values.out;
  prepareWritableFolder(outDir, '--out');

  const labelTable = [...LABEL_TABLE].map(([value, info]) => ({ value, ...info }));
  writeFileSync(join(outDir, 'labels.json'), `${JSON.stringify({ tissues: TISSUES, modelClasses: MODEL_CLASSES, labels: labelTable }, null, 2)}\n`);

  for (let n = 0; n < count; n += 1) {
    const seed = firstSeed + n;
    const started = performance.now();
    const phantom = generatePhantom({ seed, voxelSizeMm, render: values['with-image'] });
    const stem = join(outDir, `phantom-${seed}`);
    writeFileSync(`${stem}_labels.nii.gz`, encodeNifti(phantom.labels, { compress: true, description: `lumbar phantom seed ${seed} labels` }));
    if (values['with-image']) {
      writeFileSync(`${stem}_image.nii.gz`, encodeNifti(phantom.image, { compress: true, description: `lumbar phantom seed ${seed} T2` }));
    }
    const { data: _labels, ...geometry } = phantom.labels;
    writeFileSync(`${stem}.json`, `${JSON.stringify({ seed, geometry, truth: phantom.truth }, null, 2)}\n`);
    process.stdout.write(`phantom-${seed}: ${phantom.truth.lumbarCount} lumbar, ${(performance.now() - started).toFixed(0)} ms\n`);
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
