/**
 * `lumbar-copilot demo`, what `npm start` runs. It starts the server on 127.0.0.1, prints the
 * console URL with its token and runs one simulated exam on the embedded phantom at a realistic
 * pace. The exam waits for the technologist on the console, unless `--auto-confirm` lets the
 * simulator confirm itself. The server keeps running until Ctrl+C.
 */
import { EXIT_USAGE, parseCommandOptions, UsageError } from '../server/commandLine/options.ts';
import { logger } from '../server/log.ts';
import { PlanningError } from '../server/planning/errors.ts';
import { loadProtocol } from '../server/planning/protocols.ts';
import { parseServeArguments } from '../server/transport/serveArguments.ts';
import { isStartUsageError, startServing, type ServeHandle } from '../server/transport/serveCommand.ts';
import { DEFAULT_PHANTOM_SEED } from './caseSource.ts';
import { runSimulatedExam } from './scanner.ts';
import { formatSummary } from './simulateCommand.ts';
import { EXAM_RUN_OPTION_SPEC, EXAM_RUN_OPTIONS_HELP, examRunArguments, SimulateUsageError, type ExamRunArguments } from './simulateArguments.ts';

/** How long the demo waits for a technologist to confirm a plan, ms. */
const MAX_PLAN_WAIT_MS = 60 * 60_000;

export const DEMO_HELP = `Usage: lumbar-copilot demo [options]

Starts the server on 127.0.0.1, prints the console URL with its token, and runs one simulated
lumbar exam on the embedded phantom. Open the URL and confirm the proposed plan; the scanner
then acquires each slab and the console shows QC. The server keeps running until Ctrl+C.

Options:
  --seed N                    phantom seed, a whole number (default ${DEFAULT_PHANTOM_SEED})
${EXAM_RUN_OPTIONS_HELP.replace('(default 20)', '(default 8)')}  --port PORT                 TCP port, 0 picks a free port (default 8080)
  --data-dir DIR              folder for the session journal and token (default ./var)
  --token TOKEN               access token (default: LUMBAR_COPILOT_TOKEN, else the stored one)
  --model PATH                ONNX segmentation model (default models/lumbar-seg.onnx)
  --execution-provider NAME   cpu, cuda or webgpu (default cpu)
  --help                      print this help

Exit status: 0 when the exam completed and Ctrl+C stopped the server, 1 when the exam did not
complete, 2 for invalid options, an unknown --protocol, a --data-dir that is not a writable folder,
a --model file that cannot be read or a port in use.
`;

interface DemoArguments extends ExamRunArguments {
  help: boolean;
  seed: number;
  serveArgv: string[];
}

export function parseDemoArguments(argv: string[]): DemoArguments {
  let parsed;
  try {
    parsed = parseCommandOptions('demo', {
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        seed: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        token: { type: 'string' },
        model: { type: 'string' },
        'execution-provider': { type: 'string' },
        ...EXAM_RUN_OPTION_SPEC,
      },
    });
  } catch (error) {
    if (error instanceof UsageError) throw new SimulateUsageError(error.message);
    throw error;
  }
  const values = parsed.values;
  const run = examRunArguments({ ...values, 'seconds-per-series': values['seconds-per-series'] ?? '8' }, 'realtime');
  // `--seed 1` shows on the console how a case whose levels the model names wrongly looks.
  const seedText = values.seed ?? String(DEFAULT_PHANTOM_SEED);
  const seed = Number(seedText);
  if (!/^\d+$/.test(seedText) || seed > 2 ** 31 - 1) {
    throw new SimulateUsageError(`Invalid --seed "${seedText}": use a whole number from 0 to 2147483647.`);
  }
  const serveArgv = ['--host', '127.0.0.1'];
  for (const name of ['port', 'data-dir', 'token', 'model', 'execution-provider'] as const) {
    const value = values[name];
    if (value !== undefined) serveArgv.push(`--${name}`, value);
  }
  return { help: values.help ?? false, seed, serveArgv, ...run };
}

export async function run(argv: string[]): Promise<number> {
  let args: DemoArguments;
  try {
    args = parseDemoArguments(argv);
  } catch (error) {
    if (!(error instanceof SimulateUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  // The demo's own server plans the exam, so its protocols are the ones on this machine.
  try {
    loadProtocol(args.protocol);
  } catch (error) {
    if (!(error instanceof PlanningError)) throw error;
    process.stderr.write(`Invalid --protocol "${args.protocol}": ${error.message}\n`);
    return EXIT_USAGE;
  }

  let handle: ServeHandle;
  try {
    handle = await startServing(parseServeArguments(args.serveArgv), process.env, logger);
  } catch (error) {
    if (!isStartUsageError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }

  const abort = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      abort.abort();
      resolve();
    });
    process.once('SIGTERM', () => {
      abort.abort();
      resolve();
    });
  });

  process.stdout.write(
    args.autoConfirm
      ? `Running a simulated exam on phantom seed ${args.seed}; the simulator confirms the plan itself.\n`
      : `Running a simulated exam on phantom seed ${args.seed}. Open the console URL above and confirm the proposed plan.\n`,
  );
  const report = await runSimulatedExam({
    serverUrl: handle.server.url,
    token: handle.server.token,
    case: `phantom:${args.seed}`,
    autoConfirm: args.autoConfirm,
    faults: args.faults,
    pace: args.pace,
    secondsPerSeries: args.secondsPerSeries,
    protocol: args.protocol,
    maxPlanWaitMs: MAX_PLAN_WAIT_MS,
    logger,
    signal: abort.signal,
  });
  process.stdout.write(formatSummary(report));

  if (!abort.signal.aborted) {
    process.stdout.write('The exam is over. The server keeps running, and the console URL above shows the finished exam. Press Ctrl+C to stop it.\n');
    await stopped;
  }
  logger.info('shutting down');
  await handle.close();
  return report.completed ? 0 : 1;
}
