/**
 * Error codes the transport sends in `error` replies. Each code names one kind of failure, so
 * an integrator can branch on the code and show the message to a person.
 */
import type { ProtocolErrorMessage } from './protocol.ts';

export const TRANSPORT_ERROR_CODES = {
  /** A text frame that is not valid JSON. */
  invalidJson: 'ERR_INVALID_JSON',
  /** Valid JSON that does not match the message schema; `field` and `expected` say where and what. */
  invalidMessage: 'ERR_INVALID_MESSAGE',
  /** A `type` that this endpoint does not accept. */
  unknownMessageType: 'ERR_UNKNOWN_MESSAGE_TYPE',
  /** A `protocolVersion` other than the one this server speaks. */
  unsupportedProtocolVersion: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
  /** A frame larger than the endpoint's message size limit. */
  messageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
  /** A binary frame on the console endpoint, which accepts JSON text only. */
  binaryNotAllowed: 'ERR_BINARY_NOT_ALLOWED',
  /** A binary frame on the scanner endpoint without the DICOM Part 10 preamble and `DICM` prefix. */
  notDicomPart10: 'ERR_NOT_DICOM_PART10',
  /** A message sent faster than the connection's rate limit; it was dropped unprocessed. */
  rateLimited: 'ERR_RATE_LIMITED',
  /** A console asked to watch more sessions at once than the per-connection limit. */
  tooManyWatchedSessions: 'ERR_TOO_MANY_WATCHED_SESSIONS',
  /** The session stream for a watched session failed, for example because the session does not exist. */
  watchFailed: 'ERR_WATCH_FAILED',
  /** The server failed while handling a valid message; the message may not have been applied. */
  internal: 'ERR_INTERNAL',
} as const;

export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[keyof typeof TRANSPORT_ERROR_CODES];

/** Builds an `error` reply, leaving out the optional fields that are undefined. */
export function protocolError(
  code: string,
  message: string,
  details: { field?: string; expected?: string; inReplyTo?: string } = {},
): ProtocolErrorMessage {
  const error: ProtocolErrorMessage = { type: 'error', code, message };
  if (details.field !== undefined) error.field = details.field;
  if (details.expected !== undefined) error.expected = details.expected;
  if (details.inReplyTo !== undefined) error.inReplyTo = details.inReplyTo;
  return error;
}
