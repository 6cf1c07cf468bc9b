/**
 * `lumbar-copilot serve`: builds the segmenter, planner, QC checker and session hub, starts
 * the server (and, with `--dicom-port`, the DICOM listener), prints the console URL with its
 * token, and shuts down cleanly on SIGINT or SIGTERM.
 */
import { EXIT_USAGE, UsageError } from '../commandLine/options.ts';
import { prepareWritableFolder } from '../commandLine/outputPaths.ts';
import { logger as rootLogger, type Logger } from '../log.ts';
import { ModelLoadError } from '../inference/modelContract.ts';
import type { Segmenter } from '../inference/types.ts';
import type { RunningDicomListener } from '../dicom/net/storageScp.ts';
import type { SessionHub } from '../session/hub.ts';
import { resolveToken, TokenError } from './auth.ts';
import { parseServeArguments, SERVE_HELP, ServeUsageError, type ServeArguments } from './serveArguments.ts';
import { startServer, type RunningServer } from './server.ts';

/** Parts of `startServing` a test can replace; the defaults are what `serve` runs. */
export interface ServeDependencies {
  createSegmenter(args: ServeArguments, logger: Logger): Promise<Segmenter>;
  /** Receives the lines `serve` prints for the operator. */
  print(text: string): void;
}

const DEFAULT_DEPENDENCIES: ServeDependencies = {
  async createSegmenter(args, logger) {
    // Imported here so that `serve --help` and option errors do not load onnxruntime.
    const { createOnnxSegmenter } = await import('../inference/onnxSegmenter.ts');
    return createOnnxSegmenter({ modelPath: args.modelPath, executionProvider: args.executionProvider, logger });
  },
  print: (text) => process.stdout.write(text),
};

export interface ServeHandle {
  server: RunningServer;
  hub: SessionHub;
  /** The DICOM Storage SCP, when `--dicom-port` was given. */
  dicomListener: RunningDicomListener | null;
  /** Closes the DICOM listener and the server, then the hub (which flushes the journal). */
  close(): Promise<void>;
}

export async function run(argv: string[]): Promise<number> {
  let args: ServeArguments;
  try {
    args = parseServeArguments(argv);
  } catch (error) {
    if (!(error instanceof ServeUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }

  let handle: ServeHandle;
  try {
    handle = await startServing(args, process.env, rootLogger);
  } catch (error) {
    if (!isStartUsageError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }

  const signal = await waitForShutdownSignal();
  rootLogger.info({ signal }, 'shutting down');
  await handle.close();
  return 0;
}

/** True for start failures caused by an option value: an unusable folder, token, protocol, port or model path. */
export function isStartUsageError(error: unknown): error is Error {
  if (error instanceof ModelLoadError) return error.code === 'ERR_MODEL_NOT_FOUND';
  return error instanceof ServeUsageError || error instanceof TokenError;
}

/** Starts everything `serve` runs and prints the console URL; the caller decides when to close. */
export async function startServing(
  args: ServeArguments,
  environment: NodeJS.ProcessEnv,
  logger: Logger,
  dependencies: ServeDependencies = DEFAULT_DEPENDENCIES,
): Promise<ServeHandle> {
  prepareDataDir(args.dataDir);
  const token = resolveToken({ token: args.token, environment, dataDir: args.dataDir });
  // Announced at once, because a later start failure would otherwise hide that the file exists.
  if (token.source === 'generated') {
    dependencies.print(`Generated an access token and stored it in ${token.tokenPath} (mode 0600). Later starts reuse it.\n`);
  }

  const [{ createPlanner }, { loadProtocol }, { createQcChecker }, { createSessionHub }] = await Promise.all([
    import('../planning/planner.ts'),
    import('../planning/protocols.ts'),
    import('../qc/qcChecker.ts'),
    import('../session/sessionHub.ts'),
  ]);

  // Load the default protocol now, so a wrong name fails at start and not at the first exam.
  try {
    loadProtocol(args.protocol);
  } catch (error) {
    throw new ServeUsageError(`Invalid --protocol "${args.protocol}": ${error instanceof Error ? error.message : String(error)}`);
  }

  const segmenter = await dependencies.createSegmenter(args, logger.child({ component: 'inference' }));
  const hub = createSessionHub({
    dataDir: args.dataDir,
    segmenter,
    planner: createPlanner(),
    qc: createQcChecker(),
    logger: logger.child({ component: 'session' }),
    defaultProtocol: args.protocol,
  });
  // The decoder workers load while the server starts listening.
  void hub.warmUp();

  let server: RunningServer;
  try {
    server = await startServer({ hub, token: token.token, host: args.host, port: args.port, allowedOrigins: args.allowedOrigins, logger });
  } catch (error) {
    await hub.close();
    throw listenError(error, args);
  }

  let dicomListener: RunningDicomListener | null = null;
  if (args.dicom !== null) {
    try {
      // Imported here so that `serve` without --dicom-port does not load dcmjs-dimse.
      const { startDicomListener } = await import('../dicom/net/storageScp.ts');
      dicomListener = await startDicomListener({ ...args.dicom, hub, logger });
    } catch (error) {
      await server.close();
      await hub.close();
      throw dicomListenError(error, args.dicom.host, args.dicom.port);
    }
  }

  dependencies.print(`Lumbar Co-pilot is listening on ${server.url}\nOpen the console: ${server.consoleUrl}\n`);
  if (dicomListener !== null && args.dicom !== null) {
    dependencies.print(`DICOM listener: AE title ${args.dicom.aeTitle} on ${args.dicom.host}:${dicomListener.port}\n`);
  }

  return {
    server,
    hub,
    dicomListener,
    close: async () => {
      await dicomListener?.close();
      await server.close();
      await hub.close();
    },
  };
}

function prepareDataDir(dataDir: string): void {
  try {
    prepareWritableFolder(dataDir, '--data-dir');
  } catch (error) {
    if (error instanceof UsageError) throw new ServeUsageError(error.message);
    throw error;
  }
}

function listenError(error: unknown, args: ServeArguments): unknown {
  if (!(error instanceof Error) || !('code' in error)) return error;
  if (error.code === 'EADDRINUSE') {
    return new ServeUsageError(`Port ${args.port} on ${args.host} is already in use. Stop the other server or pass another --port.`);
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new ServeUsageError(`Address ${args.host} is not available on this machine. Pass an address of one of its interfaces, such as 127.0.0.1.`);
  }
  return error;
}

function dicomListenError(error: unknown, host: string, port: number): unknown {
  if (!(error instanceof Error) || !('code' in error)) return error;
  if (error.code === 'EADDRINUSE') {
    return new ServeUsageError(`DICOM port ${port} on ${host} is already in use. Stop the other DICOM node or pass another --dicom-port.`);
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new ServeUsageError(`Address ${host} is not available on this machine. Pass a --dicom-host of one of its interfaces, such as 127.0.0.1.`);
  }
  return error;
}

/** Resolves with the first SIGINT or SIGTERM; a second one exits at once. */
function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
