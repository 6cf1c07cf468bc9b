/**
 * Options of the DICOM Storage SCP and their `serve` command-line form. Parsing is pure:
 * every invalid value raises `DicomListenerOptionsError` naming the value and the fix.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

export const ROUTING_RULES = ['open-session', 'study-uid', 'accession'] as const;
/**
 * Rule that picks a received instance's exam: the only open session (`open-session`), or the open
 * session whose exam id equals the Study Instance UID (`study-uid`) or the Accession Number (`accession`).
 */
export type RoutingRule = (typeof ROUTING_RULES)[number];

export interface DicomListenerOptions {
  /** TCP port, 0 picks a free one. */
  port: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host: string;
  /** Called AE title of the listener, 1 to 16 characters. Associations to another title are rejected. */
  aeTitle: string;
  /** Calling AE titles allowed to associate. An empty list allows any caller, and a warning is logged at start. */
  allowedCallingAeTitles: string[];
  routing: RoutingRule;
  /** With `study-uid` or `accession` routing: start an exam when none is open for the key. Default false. */
  startExams: boolean;
  /** Quiet period after the last instance of a series before it counts as complete, ms. Default 3000. */
  seriesQuietMs: number;
  /** Maximum PDU length announced to senders, bytes. Default 65536. */
  maxPduBytes: number;
  /** Time from connect to the association request, ms. Default 30000. */
  associationTimeoutMs: number;
  /** Time without data on an open association before its connection is closed, ms. Default 60000. */
  idleTimeoutMs: number;
  /** Maximum associations open at the same time. More are rejected as transient. Default 8. */
  maxConcurrentAssociations: number;
  /** Largest dataset accepted in one C-STORE, bytes. Default 256 MiB. */
  maxInstanceBytes: number;
}

export const DEFAULT_DICOM_LISTENER_OPTIONS: Omit<DicomListenerOptions, 'port'> = {
  host: '127.0.0.1',
  aeTitle: 'LUMBARCOPILOT',
  allowedCallingAeTitles: [],
  routing: 'open-session',
  startExams: false,
  seriesQuietMs: 3000,
  maxPduBytes: 65536,
  associationTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxConcurrentAssociations: 8,
  maxInstanceBytes: 256 * 1024 * 1024,
};

export class DicomListenerOptionsError extends Error {
  readonly code = 'ERR_INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'DicomListenerOptionsError';
  }
}

/** The `node:util` `parseArgs` entries of the DICOM options, for a command that accepts them. */
export const DICOM_LISTENER_ARGUMENTS = {
  'dicom-port': { type: 'string' },
  'dicom-host': { type: 'string' },
  'ae-title': { type: 'string' },
  'allow-calling-ae': { type: 'string' },
  'dicom-route': { type: 'string' },
  'dicom-start-exams': { type: 'boolean' },
  'series-quiet-ms': { type: 'string' },
  'dicom-max-pdu-bytes': { type: 'string' },
  'dicom-association-timeout-ms': { type: 'string' },
  'dicom-idle-timeout-ms': { type: 'string' },
  'dicom-max-associations': { type: 'string' },
  'dicom-max-instance-bytes': { type: 'string' },
} as const;

export const DICOM_LISTENER_HELP = `DICOM network options (the Storage SCP starts only with --dicom-port):
  --dicom-port PORT                 TCP port of the DICOM listener, 0 to 65535 (0 picks a free port)
  --dicom-host HOST                 interface of the DICOM listener (default 127.0.0.1)
  --ae-title AE                     called AE title, 1 to 16 characters (default LUMBARCOPILOT)
  --allow-calling-ae A,B            calling AE titles allowed to send; empty allows any (default empty)
  --dicom-route RULE                open-session, study-uid or accession (default open-session)
  --dicom-start-exams               with study-uid or accession routing, start an exam for a new key
  --series-quiet-ms MS              quiet period that completes a series, ms (default 3000)
  --dicom-max-pdu-bytes BYTES       maximum PDU length announced to senders (default 65536)
  --dicom-association-timeout-ms MS time allowed from connect to association request (default 30000)
  --dicom-idle-timeout-ms MS        idle time after which a connection is closed (default 60000)
  --dicom-max-associations N        associations open at once (default 8)
  --dicom-max-instance-bytes BYTES  largest dataset accepted in one C-STORE (default 268435456)
`;

const AE_TITLE_PATTERN = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

/**
 * Reads the DICOM options from `argv` (the words after `serve`), ignoring other options.
 * Returns null when `--dicom-port` is absent, and raises when another DICOM option is given without it.
 */
export function parseDicomListenerOptions(argv: string[]): DicomListenerOptions | null {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args: argv, strict: false, allowPositionals: true, options: DICOM_LISTENER_ARGUMENTS }).values;
  } catch (error) {
    throw new DicomListenerOptionsError(error instanceof Error ? error.message : String(error));
  }

  const text = (name: keyof typeof DICOM_LISTENER_ARGUMENTS): string | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new DicomListenerOptionsError(`Missing value for --${name}: pass it as --${name} VALUE.`);
    return value;
  };

  const portText = text('dicom-port');
  if (portText === undefined) {
    const stray = Object.keys(DICOM_LISTENER_ARGUMENTS).find((name) => values[name] !== undefined);
    if (stray !== undefined) throw new DicomListenerOptionsError(`--${stray} has no effect without --dicom-port; add --dicom-port 11112 to start the DICOM listener.`);
    return null;
  }
  const defaults = DEFAULT_DICOM_LISTENER_OPTIONS;
  const port = parseInteger('dicom-port', portText, 0, 65535);

  const host = text('dicom-host') ?? defaults.host;
  if (isIP(host) === 0 && host !== 'localhost') {
    throw new DicomListenerOptionsError(`Invalid --dicom-host "${host}": use an IP address such as 127.0.0.1, or localhost.`);
  }

  const aeTitle = text('ae-title') ?? defaults.aeTitle;
  checkAeTitle('ae-title', aeTitle);

  const allowedText = text('allow-calling-ae') ?? '';
  const allowedCallingAeTitles = allowedText
    .split(',')
    .map((title) => title.trim())
    .filter((title) => title !== '');
  for (const title of allowedCallingAeTitles) checkAeTitle('allow-calling-ae', title);

  const routing = text('dicom-route') ?? defaults.routing;
  if (!isRoutingRule(routing)) {
    throw new DicomListenerOptionsError(`Invalid --dicom-route "${routing}": use one of ${ROUTING_RULES.join(', ')}.`);
  }
  const startExams = values['dicom-start-exams'] === true;
  if (startExams && routing === 'open-session') {
    throw new DicomListenerOptionsError('--dicom-start-exams needs --dicom-route study-uid or accession, because open-session routing has no key to name the new exam.');
  }

  return {
    port,
    host,
    aeTitle,
    allowedCallingAeTitles,
    routing,
    startExams,
    seriesQuietMs: optionalInteger('series-quiet-ms', text('series-quiet-ms'), defaults.seriesQuietMs, 100, 3_600_000),
    maxPduBytes: optionalInteger('dicom-max-pdu-bytes', text('dicom-max-pdu-bytes'), defaults.maxPduBytes, 4096, 16 * 1024 * 1024),
    associationTimeoutMs: optionalInteger('dicom-association-timeout-ms', text('dicom-association-timeout-ms'), defaults.associationTimeoutMs, 1000, 3_600_000),
    idleTimeoutMs: optionalInteger('dicom-idle-timeout-ms', text('dicom-idle-timeout-ms'), defaults.idleTimeoutMs, 1000, 3_600_000),
    maxConcurrentAssociations: optionalInteger('dicom-max-associations', text('dicom-max-associations'), defaults.maxConcurrentAssociations, 1, 1024),
    maxInstanceBytes: optionalInteger('dicom-max-instance-bytes', text('dicom-max-instance-bytes'), defaults.maxInstanceBytes, 1024, 4 * 1024 * 1024 * 1024),
  };
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new DicomListenerOptionsError(`Invalid --${name} "${value}": use an integer from ${min} to ${max}.`);
  }
  return parsed;
}

function optionalInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : parseInteger(name, value, min, max);
}

function checkAeTitle(name: string, title: string): void {
  if (!AE_TITLE_PATTERN.test(title) || title.trim() === '') {
    throw new DicomListenerOptionsError(`Invalid --${name} "${title}": an AE title has 1 to 16 printable ASCII characters other than backslash.`);
  }
}

function isRoutingRule(value: string): value is RoutingRule {
  return (ROUTING_RULES as readonly string[]).includes(value);
}
