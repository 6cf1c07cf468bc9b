/**
 * Options of `lumbar-copilot simulate` and the simulation options `demo` shares with it. Pure:
 * every invalid value raises `SimulateUsageError` naming the value and the fix.
 */
import { parseCommandOptions, UsageError } from '../server/commandLine/options.ts';
import { FAULT_KINDS, DEFAULT_FAULT_STRENGTHS, parseFault, FaultSpecError, type Fault } from './faults.ts';

export class SimulateUsageError extends Error {
  readonly code = 'ERR_INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'SimulateUsageError';
  }
}

export interface ExamRunArguments {
  autoConfirm: boolean;
  faults: Fault[];
  pace: 'realtime' | 'fast';
  /** Seconds per series with `pace: 'realtime'`. */
  secondsPerSeries: number;
  protocol: string;
}

export interface SimulateArguments extends ExamRunArguments {
  help: boolean;
  serverUrl: string;
  token: string;
  caseSpec: string;
  reportPath: string | null;
  /** Exam id; UIDs derive from the case seed and this id, so a fixed id reproduces them. */
  examId: string | null;
}

/** Column where option descriptions start in the help text, and the help text's line width. */
const HELP_INDENT = 30;
const HELP_WIDTH = 100;

/** Joins items with commas into lines that start at the description column and stay within the help width. */
export function wrapHelpList(items: readonly string[], firstLinePrefix: string): string {
  const lines: string[] = [];
  let line = firstLinePrefix;
  items.forEach((item, index) => {
    const piece = index < items.length - 1 ? `${item},` : `${item}.`;
    const candidate = line.trim() === '' ? `${line}${piece}` : `${line} ${piece}`;
    if (candidate.length > HELP_WIDTH && line.trim() !== '') {
      lines.push(line);
      line = `${' '.repeat(HELP_INDENT)}${piece}`;
    } else {
      line = candidate;
    }
  });
  lines.push(line);
  return lines.join('\n');
}

const FAULT_HELP = wrapHelpList(
  FAULT_KINDS.map((kind) => `${kind} (default ${DEFAULT_FAULT_STRENGTHS[kind]})`),
  `${' '.repeat(HELP_INDENT)}strengths:`,
);

export const EXAM_RUN_OPTIONS_HELP = `  --auto-confirm              confirm each proposed plan and decide failed slabs from the
                              simulator's own console connection (default: wait for a technologist)
  --fault KIND[:STRENGTH]     inject a scanner fault; repeat for several. Kinds and default
${FAULT_HELP}
                              Units: motion mm, ghosting fraction of the image, wrong-angle
                              degrees, wrong-offset mm, slow-link ms per frame, others counts
  --pace realtime|fast        realtime spreads each series over --seconds-per-series;
                              fast sends as fast as the server acknowledges
  --seconds-per-series S      acquisition time of one series with --pace realtime (default 20)
  --protocol NAME             planning protocol named in exam.started (default lumbar-routine)
`;

export const SIMULATE_HELP = `Usage: lumbar-copilot simulate --server URL --token TOKEN --case CASE [options]

Runs one simulated lumbar exam against a server, as a scanner adapter would: 3-plane survey,
sagittal T2 localizer, then each confirmed slab resliced from the case volume, then exam end.

Options:
  --server URL                server base URL, such as http://127.0.0.1:8080
  --token TOKEN               access token (default: LUMBAR_COPILOT_TOKEN)
  --case CASE                 phantom:SEED or phantom (seed 2), the procedural phantom; a volume file
                              (.nii, .nii.gz, .hdr with its .img, .mha, .mhd; case-NN_image.nii.gz
                              picks up case-NN_labels.nii.gz and the folder's dataset.json); a
                              dataset folder (its first case); or a folder of DICOM files
${EXAM_RUN_OPTIONS_HELP}  --exam-id ID                exam id, 1 to 64 letters, digits, '.', '_' or '-'; study, series
                              and image UIDs derive from the case seed and this id (default:
                              a new random id, so repeated runs never share UIDs)
  --report FILE               write the JSON report to FILE
  --help                      print this help

Exit status: 0 when the exam completed, 1 when it did not, 2 for invalid options, a --case that
cannot be read, a --report path that cannot be written or a --protocol the server rejects.
`;

export const EXAM_RUN_OPTION_SPEC = {
  'auto-confirm': { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  pace: { type: 'string' },
  'seconds-per-series': { type: 'string' },
  protocol: { type: 'string' },
} as const;

/** Validates the options shared by `simulate` and `demo`; `defaultPace` differs between them. */
export function examRunArguments(
  values: { 'auto-confirm'?: boolean; fault?: string[]; pace?: string; 'seconds-per-series'?: string; protocol?: string },
  defaultPace: 'realtime' | 'fast',
): ExamRunArguments {
  const pace = values.pace ?? defaultPace;
  if (pace !== 'realtime' && pace !== 'fast') {
    throw new SimulateUsageError(`Invalid --pace "${pace}": use realtime or fast.`);
  }
  const secondsText = values['seconds-per-series'] ?? '20';
  const secondsPerSeries = Number(secondsText);
  if (!Number.isFinite(secondsPerSeries) || secondsPerSeries < 0 || secondsPerSeries > 3600) {
    throw new SimulateUsageError(`Invalid --seconds-per-series "${secondsText}": use a number of seconds from 0 to 3600.`);
  }
  let faults: Fault[];
  try {
    faults = (values.fault ?? []).map(parseFault);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new SimulateUsageError(error.message);
    throw error;
  }
  const kinds = faults.map((fault) => fault.kind);
  const repeated = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
  if (repeated !== undefined) throw new SimulateUsageError(`--fault ${repeated} is given twice: pass each fault kind once, with one strength.`);
  const protocol = values.protocol ?? 'lumbar-routine';
  if (!/^[A-Za-z0-9._/-]{1,128}$/.test(protocol)) {
    throw new SimulateUsageError(`Invalid --protocol "${protocol}": use a protocol name such as lumbar-routine.`);
  }
  return { autoConfirm: values['auto-confirm'] ?? false, faults, pace, secondsPerSeries, protocol };
}

/** Parses the words after `simulate`; `environment` supplies LUMBAR_COPILOT_TOKEN. */
export function parseSimulateArguments(argv: string[], environment: NodeJS.ProcessEnv): SimulateArguments {
  let values;
  try {
    values = parseCommandOptions('simulate', {
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        server: { type: 'string' },
        token: { type: 'string' },
        case: { type: 'string' },
        report: { type: 'string' },
        'exam-id': { type: 'string' },
        ...EXAM_RUN_OPTION_SPEC,
      },
    }).values;
  } catch (error) {
    if (error instanceof UsageError) throw new SimulateUsageError(error.message);
    throw error;
  }
  const run = examRunArguments(values, 'fast');
  if (values.help === true) return { help: true, serverUrl: '', token: '', caseSpec: '', reportPath: null, examId: null, ...run };

  const serverUrl = values.server;
  if (serverUrl === undefined) throw new SimulateUsageError('Missing --server: pass the server base URL, such as http://127.0.0.1:8080.');
  let parsed: URL;
  try {
    parsed = new URL(serverUrl);
  } catch {
    throw new SimulateUsageError(`Invalid --server "${serverUrl}": pass a URL such as http://127.0.0.1:8080.`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new SimulateUsageError(`Invalid --server "${serverUrl}": use an http, https, ws or wss URL.`);
  }
  const token = values.token ?? environment.LUMBAR_COPILOT_TOKEN;
  if (token === undefined || token === '') {
    throw new SimulateUsageError('Missing --token: pass the access token the server printed, or set LUMBAR_COPILOT_TOKEN.');
  }
  const caseSpec = values.case;
  if (caseSpec === undefined) throw new SimulateUsageError('Missing --case: pass phantom, phantom:SEED, a volume file or a DICOM folder.');
  const examId = values['exam-id'] ?? null;
  if (examId !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(examId)) {
    throw new SimulateUsageError(`Invalid --exam-id "${examId}": use 1 to 64 letters, digits, '.', '_' or '-'.`);
  }
  return { help: false, serverUrl, token, caseSpec, reportPath: values.report ?? null, examId, ...run };
}
