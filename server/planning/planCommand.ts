/**
 * `lumbar-copilot plan <series-folder-or-volume>`: segments a localizer and prints its scan plan.
 */
import { isInputError } from '../../simulator/caseSource.ts';
import { EXIT_USAGE, parseCommandOptions, UsageError } from '../commandLine/options.ts';
import type { Plan, PlanningProtocol } from './types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import { ModelLoadError } from '../inference/modelContract.ts';
import { angleBetweenAxesDeg, distance } from '../geometry/vec3.ts';
import { PlanningError } from './errors.ts';
import { createPlanner } from './planner.ts';
import { DEFAULT_PROTOCOL_NAME, loadProtocol } from './protocols.ts';
import { readLocalizerInput, type LocalizerInput } from './localizerInput.ts';

const USAGE = `Usage: lumbar-copilot plan <series-folder | volume file | phantom[:seed]> [options]

Segments the sagittal localizer and prints the proposed scan plan in DICOM patient
coordinates (LPS, millimetres). A volume (.nii, .nii.gz, .hdr with its .img, .mha, .mhd) or the
phantom is first resliced into a sagittal localizer, as the simulated scanner does. A bare phantom means
phantom:2, the seed the demo uses.

Options:
  --json             print the plan as JSON (see docs/plan.schema.json) instead of a table
  --protocol NAME    protocol name or JSON file path (default ${DEFAULT_PROTOCOL_NAME})
  --model PATH       ONNX model for segmentation (default models/lumbar-seg.onnx)
  --labels           plan from the input's reference labels instead of the model
                     (volumes and the phantom only)
  -h, --help         print this help

Exit status: 0 when the plan is printed, 1 when segmentation or planning fails, 2 for invalid
options, an unknown --protocol, an input or --model file that cannot be read, or --labels on an
input without labels.
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandOptions('plan', {
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        protocol: { type: 'string', default: DEFAULT_PROTOCOL_NAME },
        model: { type: 'string' },
        labels: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`Expected one input (a DICOM folder, a volume file or phantom[:seed]), got ${positionals.length}.\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  let protocol: PlanningProtocol;
  let input: LocalizerInput;
  let segmentation: SegmentationResult;
  try {
    protocol = loadProtocolOption(values.protocol);
    input = await readLocalizerInput(positionals[0]);
  } catch (error) {
    if (!isInputError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  try {
    segmentation = await segmentInput(input, values.labels, values.model);
  } catch (error) {
    const isUsageError = error instanceof UsageError || (error instanceof ModelLoadError && error.code === 'ERR_MODEL_NOT_FOUND');
    if (!isUsageError) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  const plan = createPlanner().propose({ segmentation, localizer: input.localizer, protocol });

  if (values.json) {
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  } else {
    process.stdout.write(formatPlan(plan, input, segmentation));
  }
  return 0;
}

function loadProtocolOption(nameOrPath: string): PlanningProtocol {
  try {
    return loadProtocol(nameOrPath);
  } catch (error) {
    if (!(error instanceof PlanningError)) throw error;
    throw new UsageError(`Invalid --protocol "${nameOrPath}": ${error.message}`);
  }
}


async function segmentInput(input: LocalizerInput, useLabels: boolean, modelPath: string | undefined): Promise<SegmentationResult> {
  if (useLabels) {
    if (input.referenceSegmentation === null) {
      throw new UsageError(`--labels needs an input with a label map, but ${input.description} has none. Pass a labelled volume or phantom[:seed], or drop --labels to use the model.`);
    }
    return input.referenceSegmentation;
  }
  const { createOnnxSegmenter } = await import('../inference/onnxSegmenter.ts');
  const segmenter = await createOnnxSegmenter(modelPath === undefined ? {} : { modelPath });
  return segmenter.segment(input.localizer);
}

/** Formats the plan as a table, with errors against the input's ground truth when it has one. */
export function formatPlan(plan: Plan, input: Pick<LocalizerInput, 'truth' | 'description'>, segmentation: Pick<SegmentationResult, 'model'>): string {
  const lines: string[] = [];
  lines.push(`Plan ${plan.planId} for ${input.description} (protocol ${plan.protocolName}, segmentation: ${segmentation.model.name})`);
  const header = ['slab', 'kind', 'slices', 'centre LPS mm', 'normal LPS', 'to axial', 'phase'];
  const truthByLevel = new Map(input.truth.map((disc) => [disc.level, disc]));
  if (truthByLevel.size > 0) header.push('angle err', 'centre err');
  const rows: string[][] = [header];
  for (const slab of plan.slabs) {
    const row = [
      slab.slabId,
      slab.kind,
      `${slab.sliceCount} x ${slab.sliceThicknessMm} mm`,
      slab.centerLpsMm.map((value) => value.toFixed(1)).join(', '),
      slab.normalLps.map((value) => value.toFixed(3)).join(', '),
      `${slab.angleToAxialDeg.toFixed(1)} deg`,
      slab.phaseEncoding,
    ];
    const truth = slab.kind === 'axial-disc' ? truthByLevel.get(slab.level) : undefined;
    if (truthByLevel.size > 0) {
      row.push(truth === undefined ? '' : `${angleBetweenAxesDeg(slab.normalLps, truth.normalLps).toFixed(2)} deg`);
      row.push(truth === undefined ? '' : `${distance(slab.centerLpsMm, truth.centerLpsMm).toFixed(2)} mm`);
    }
    rows.push(row);
  }
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) lines.push(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());

  lines.push('');
  for (const slab of plan.slabs) lines.push(`${slab.slabId}: ${slab.rationale}`);
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of plan.warnings) lines.push(`  ${warning.code}${warning.level ? ` (${warning.level})` : ''}: ${warning.message}`);
  }
  return `${lines.join('\n')}\n`;
}
