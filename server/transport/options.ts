/**
 * Options of `startServer`, with their defaults. Limits follow the ws convention: `max…`
 * names with the unit in the name.
 */
import type { Logger } from '../log.ts';
import type { SessionHub } from '../session/hub.ts';
import type { RateLimit } from './rateLimiter.ts';

export interface ServerOptions {
  hub: SessionHub;
  /** Access token every client must present (see `resolveToken`). */
  token: string;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free port. Default 8080. */
  port?: number;
  /** Folder with the console's `index.html` and `dist/`. Default `console-ui/` in this repository. */
  consoleDir?: string;
  /** Origins, besides the server's own, whose pages may open WebSockets, such as `http://console.local:3000`. */
  allowedOrigins?: readonly string[];
  logger?: Logger;
  /** Largest scanner frame handled, bytes; larger frames get `ERR_MESSAGE_TOO_LARGE`. Default 16 MiB (about one DICOM image). */
  maxScannerMessageBytes?: number;
  /** Largest console frame handled, bytes; larger frames get `ERR_MESSAGE_TOO_LARGE`. Default 64 KiB. */
  maxConsoleMessageBytes?: number;
  /** Per-connection rate limit for scanner frames. Default 200 messages per second, bursts of 500. */
  scannerRateLimit?: RateLimit;
  /** Per-connection rate limit for console frames. Default 20 messages per second, bursts of 40. */
  consoleRateLimit?: RateLimit;
  /** Messages dropped in a row by the rate limit after which the connection is closed (code 1008). Default 1000. */
  maxDroppedMessagesInRow?: number;
  /** Time between keepalive pings, milliseconds; a peer that misses one pong is disconnected. Default 30000. */
  keepaliveIntervalMs?: number;
  /** Received frames waiting for the hub, per connection, above which reading from the socket pauses. Default 64. */
  maxPendingMessages?: number;
  /**
   * Bytes queued in a console's socket above which further messages are coalesced (only the
   * newest state, plan, segmentation, localizer and QC result per slab are kept). Default 4 MiB.
   */
  maxConsoleBufferedBytes?: number;
  /** Coalesced messages held for one stalled console, above which it is disconnected. Default 1024. */
  maxConsoleHeldMessages?: number;
  /** Sessions one console connection may watch at once. Default 16. */
  maxWatchedSessionsPerConnection?: number;
  /** Open scanner connections. Default 64. */
  maxScannerConnections?: number;
  /** Open console connections. Default 256. */
  maxConsoleConnections?: number;
}

export type ResolvedServerOptions = Required<Omit<ServerOptions, 'logger'>> & { logger: Logger };

export const MIB = 1024 * 1024;

export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  allowedOrigins: [] as readonly string[],
  maxScannerMessageBytes: 16 * MIB,
  maxConsoleMessageBytes: 64 * 1024,
  scannerRateLimit: { messagesPerSecond: 200, burstMessages: 500 },
  consoleRateLimit: { messagesPerSecond: 20, burstMessages: 40 },
  maxDroppedMessagesInRow: 1000,
  keepaliveIntervalMs: 30_000,
  maxPendingMessages: 64,
  maxConsoleBufferedBytes: 4 * MIB,
  maxConsoleHeldMessages: 1024,
  maxWatchedSessionsPerConnection: 16,
  maxScannerConnections: 64,
  maxConsoleConnections: 256,
} satisfies Partial<ServerOptions>;

/** Fills in defaults and throws `RangeError` naming the option for a value out of range. */
export function resolveServerOptions(options: ServerOptions, defaults: { consoleDir: string; logger: Logger }): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = {
    ...SERVER_DEFAULTS,
    consoleDir: defaults.consoleDir,
    ...withoutUndefined(options),
    hub: options.hub,
    token: options.token,
    logger: options.logger ?? defaults.logger,
  };

  const positiveIntegers: (keyof ResolvedServerOptions)[] = [
    'maxScannerMessageBytes',
    'maxConsoleMessageBytes',
    'maxDroppedMessagesInRow',
    'keepaliveIntervalMs',
    'maxPendingMessages',
    'maxConsoleBufferedBytes',
    'maxConsoleHeldMessages',
    'maxWatchedSessionsPerConnection',
    'maxScannerConnections',
    'maxConsoleConnections',
  ];
  for (const name of positiveIntegers) {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`Invalid ${name} ${String(value)}: use a positive integer.`);
    }
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new RangeError(`Invalid port ${resolved.port}: use an integer from 0 to 65535 (0 picks a free port).`);
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
