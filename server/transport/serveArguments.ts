/**
 * Parses and validates the options of `lumbar-copilot serve`. Pure apart from reading the
 * environment it is given: every invalid value raises `ServeUsageError` naming the value and the fix.
 */
import { isIP } from 'node:net';

import { parseCommandOptions, UsageError } from '../commandLine/options.ts';

import {
  DICOM_LISTENER_ARGUMENTS,
  DICOM_LISTENER_HELP,
  DicomListenerOptionsError,
  parseDicomListenerOptions,
  type DicomListenerOptions,
} from '../dicom/net/listenerOptions.ts';
import { normalizeOrigin, TokenError, validateToken } from './auth.ts';

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface ServeArguments {
  help: boolean;
  host: string;
  port: number;
  dataDir: string;
  /** From `--token`; the environment and the token file are consulted later, by `resolveToken`. */
  token: string | undefined;
  modelPath: string | undefined;
  executionProvider: ExecutionProvider;
  protocol: string;
  allowedOrigins: string[];
  /** The DICOM Storage SCP's options; null when `--dicom-port` is absent and no listener starts. */
  dicom: DicomListenerOptions | null;
}

export class ServeUsageError extends Error {
  readonly code = 'ERR_INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'ServeUsageError';
  }
}

export const SERVE_HELP = `Usage: lumbar-copilot serve [options]

Starts the HTTP and WebSocket server: the console at /, the scanner endpoint /v1/scanner
and the console endpoint /v1/console.

Options:
  --host HOST                 interface to listen on (default 127.0.0.1; the server speaks
                              plain HTTP, so put a TLS proxy in front of any other interface)
  --port PORT                 TCP port, 0 to 65535, 0 picks a free port (default 8080)
  --data-dir DIR              folder for the session journal and the generated token (default ./var)
  --token TOKEN               access token, 16 to 256 printable ASCII characters
                              (default: LUMBAR_COPILOT_TOKEN, else the token stored in DIR,
                              else a new one generated and stored there)
  --model PATH                ONNX segmentation model (default models/lumbar-seg.onnx)
  --execution-provider NAME   onnxruntime execution provider: cpu, cuda or webgpu (default cpu)
  --protocol NAME             planning protocol, a name or a JSON file, for exams whose
                              exam.started names "default" (default lumbar-routine)
  --allow-origin URL          another origin whose pages may open the console endpoint,
                              such as http://localhost:5173; repeat for several
  --help                      print this help

${DICOM_LISTENER_HELP}
Exit status: 0 after a clean shutdown on Ctrl+C or SIGTERM, 1 when the server fails at run time,
2 for invalid options, a --data-dir that is not a writable folder, an unknown --protocol, a
--model file that cannot be read or a port that is in use.
`;

/** Parses `argv` (the words after `serve`). */
export function parseServeArguments(argv: string[]): ServeArguments {
  let values: ReturnType<typeof parseRaw>['values'];
  try {
    values = parseRaw(argv).values;
  } catch (error) {
    if (error instanceof UsageError) throw new ServeUsageError(error.message);
    throw error;
  }

  const host = values.host ?? '127.0.0.1';
  if (!isValidHost(host)) {
    throw new ServeUsageError(`Invalid --host "${host}": use an IP address such as 127.0.0.1 or a host name such as localhost.`);
  }

  const portText = values.port ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ServeUsageError(`Invalid --port "${portText}": use an integer from 0 to 65535 (0 picks a free port).`);
  }

  const dataDir = values['data-dir'] ?? './var';
  if (dataDir.trim() === '') throw new ServeUsageError('Invalid --data-dir "": pass a folder path such as ./var.');

  if (values.token !== undefined) {
    try {
      validateToken(values.token, '--token');
    } catch (error) {
      if (error instanceof TokenError) throw new ServeUsageError(error.message);
      throw error;
    }
  }

  const executionProvider = values['execution-provider'] ?? 'cpu';
  if (!isExecutionProvider(executionProvider)) {
    throw new ServeUsageError(`Invalid --execution-provider "${executionProvider}": use one of ${EXECUTION_PROVIDERS.join(', ')}.`);
  }

  const protocol = values.protocol ?? 'lumbar-routine';
  if (protocol.trim() === '') throw new ServeUsageError('Invalid --protocol "": pass a protocol name such as lumbar-routine or a JSON file.');

  const allowedOrigins = (values['allow-origin'] ?? []).map(validateOrigin);

  let dicom: DicomListenerOptions | null;
  try {
    dicom = parseDicomListenerOptions(argv);
  } catch (error) {
    if (error instanceof DicomListenerOptionsError) throw new ServeUsageError(error.message);
    throw error;
  }

  return {
    help: values.help ?? false,
    host,
    port,
    dataDir,
    token: values.token,
    modelPath: values.model,
    executionProvider,
    protocol,
    allowedOrigins,
    dicom,
  };
}

function parseRaw(argv: string[]) {
  return parseCommandOptions('serve', {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      model: { type: 'string' },
      'execution-provider': { type: 'string' },
      protocol: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
      ...DICOM_LISTENER_ARGUMENTS,
    },
  });
}

function isValidHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host);
}

function isExecutionProvider(value: string): value is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

function validateOrigin(value: string): string {
  const origin = normalizeOrigin(value);
  const withoutSlash = value.replace(/\/$/, '').toLowerCase();
  if (origin === null || origin !== withoutSlash) {
    throw new ServeUsageError(
      `Invalid --allow-origin "${value}": use scheme, host and port only, such as http://localhost:5173 (no path, query or trailing text).`,
    );
  }
  return origin;
}
