/**
 * Logging of errors on a client's socket. A client that goes away mid-connection (a closed
 * browser tab, a killed process) makes the server's socket fail with ECONNRESET or EPIPE. That
 * is normal, so it is logged at info without a stack. Every other socket error stays a warning.
 */
import type { Logger } from '../log.ts';

/**
 * Error codes of a client that went away: ECONNRESET when it reset the connection, EPIPE when
 * the server wrote after it had closed.
 */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

export type SocketErrorLevel = 'info' | 'warn';

/** Returns the level for an error on a client socket: `info` when the client went away, `warn` otherwise. */
export function socketErrorLevel(error: Error): SocketErrorLevel {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && CLIENT_GONE_CODES.has(code) ? 'info' : 'warn';
}

/**
 * Logs an error on a client socket with `fields`, the ids of the connection. A client that went
 * away is logged at info with the error code and message only. Any other error is logged at
 * warn under `message`, with the error and its stack.
 */
export function logSocketError(log: Logger, error: Error, fields: Record<string, unknown>, message: string): void {
  if (socketErrorLevel(error) === 'info') {
    log.info({ ...fields, code: (error as NodeJS.ErrnoException).code, error: error.message }, 'client dropped the connection');
    return;
  }
  log.warn({ ...fields, err: error }, message);
}
