/**
 * Parses and validates the options of `lumbar-copilot evaluate`. Pure: every invalid value raises
 * `UsageError` naming the value and the fix. Paths are checked later, by the command.
 */
import { parseCommandOptions, UsageError } from '../commandLine/options.ts';
import { DEFAULT_MODEL_PATH, EXECUTION_PROVIDERS, type ExecutionProviderName } from './onnxSegmenter.ts';

export const EVALUATE_HELP = `Usage: lumbar-copilot evaluate --data <folder> [options]

Runs the model on every case of a labelled data folder and reports Dice, level identification,
disc-box recall and precision, latency and plan error.

Options:
  --data <folder>        a dataset folder with dataset.json, or a folder of such folders (required)
  --report <file.json>   also write the full report as JSON to this file; its perCase
                         entries give the reference, predicted and overlapping pixels
                         of each class on each localizer plane (sliceCounts)
  --split <name>         validation (default): only the held-out cases in models/split.json;
                         train: only the cases the model trained on, for tuning rules
                         without touching held-out cases (scores are optimistic);
                         all: every case, training cases included
  --slice-selection <s>  adaptive (default): the slices around the spine; fixed: every
                         slice within 40 mm of the centre of the stack
  --model <path>         ONNX model (default ${DEFAULT_MODEL_PATH})
  --threads <n>          onnxruntime intra-op threads (default 2)
  --execution-provider <name>
                         onnxruntime execution provider: cpu (default), cuda or webgpu;
                         --provider is accepted too
  --max-cases <n>        evaluate at most this many cases per dataset
  -h, --help             print this help

Exit status: 0 when the evaluation finished, 1 when it failed (such as a model that cannot be
loaded), 2 for invalid or missing options, a --data folder that does not exist or has no
dataset.json, a --model file that cannot be read, or a --report path that cannot be written.
`;

export type SplitMode = 'validation' | 'train' | 'all';
export type SliceSelection = 'adaptive' | 'fixed';

export interface EvaluateArguments {
  help: boolean;
  /** Dataset folder, or a folder of dataset folders, as given. */
  dataFolder: string;
  reportPath: string | null;
  splitMode: SplitMode;
  sliceSelection: SliceSelection;
  modelPath: string | undefined;
  threads: number;
  executionProvider: ExecutionProviderName;
  /** Maximum number of cases evaluated per dataset, infinite without `--max-cases`. */
  maxCases: number;
}

/** Parses `argv` (the words after `evaluate`). */
export function parseEvaluateArguments(argv: string[]): EvaluateArguments {
  const { values } = parseCommandOptions('evaluate', {
    args: argv,
    options: {
      data: { type: 'string' },
      report: { type: 'string' },
      split: { type: 'string', default: 'validation' },
      model: { type: 'string' },
      threads: { type: 'string' },
      'execution-provider': { type: 'string' },
      provider: { type: 'string' },
      'max-cases': { type: 'string' },
      'slice-selection': { type: 'string', default: 'adaptive' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });

  const help = values.help === true;
  if (!help && values.data === undefined) {
    throw new UsageError('Missing --data: pass a dataset folder with a dataset.json, or a folder of such folders. Run lumbar-copilot evaluate --help for the options.');
  }
  const splitMode = values.split;
  if (splitMode !== 'validation' && splitMode !== 'train' && splitMode !== 'all') {
    throw new UsageError(`Invalid --split "${splitMode}": use validation, train or all.`);
  }
  const sliceSelection = values['slice-selection'];
  if (sliceSelection !== 'adaptive' && sliceSelection !== 'fixed') {
    throw new UsageError(`Invalid --slice-selection "${sliceSelection}": use adaptive or fixed.`);
  }

  return {
    help,
    dataFolder: values.data ?? '',
    reportPath: values.report ?? null,
    splitMode,
    sliceSelection,
    modelPath: values.model,
    threads: parseCount(values.threads, '--threads', 2),
    executionProvider: parseExecutionProvider(values['execution-provider'], values.provider),
    maxCases: parseCount(values['max-cases'], '--max-cases', Number.POSITIVE_INFINITY),
  };
}

function parseCount(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Invalid ${option} "${text}": use a whole number of 1 or more.`);
  }
  return value;
}

function parseExecutionProvider(fromLongName: string | undefined, fromShortName: string | undefined): ExecutionProviderName {
  if (fromLongName !== undefined && fromShortName !== undefined && fromLongName !== fromShortName) {
    throw new UsageError(`--execution-provider "${fromLongName}" and --provider "${fromShortName}" disagree. Pass only one of them.`);
  }
  const provider = fromLongName ?? fromShortName ?? 'cpu';
  const option = fromLongName !== undefined ? '--execution-provider' : '--provider';
  const known = EXECUTION_PROVIDERS.find((name) => name === provider);
  if (known === undefined) throw new UsageError(`Invalid ${option} "${provider}": use cpu, cuda or webgpu.`);
  return known;
}
