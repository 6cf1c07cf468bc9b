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

/** An error code the session hub sends through the transport, with its cause and the client's remedy, for the protocol docs. */
export interface HubErrorDescription {
  code: string;
  cause: string;
  remedy: string;
}

/**
 * Codes the session hub sends when a message names an exam or session the server has no open
 * session for. The hub raises them in `server/session/sessionHub.ts`; the transport forwards them unchanged.
 */
export const HUB_ROUTING_ERRORS: readonly HubErrorDescription[] = [
  {
    code: 'ERR_UNKNOWN_EXAM',
    cause: 'A scanner message names an `examId` with no open session: the exam was never started, has ended, or ended while the message waited. `expected` is `exam.started`.',
    remedy: 'Send `exam.started` for the exam (a new `examId` once the exam has ended), then resend the message.',
  },
  {
    code: 'ERR_NO_EXAM_FOR_IMAGE',
    cause: 'A binary image frame arrived on a connection that has not started or named an open exam. The image is journalled but not stored in any session.',
    remedy: 'Send `exam.started` on this connection before the images, then resend them.',
  },
  {
    code: 'ERR_UNKNOWN_SESSION',
    cause: 'A console `session.watch` or action names a `sessionId` that does not exist or was dropped from memory.',
    remedy: 'Pick a session from `GET /v1/sessions` and watch it again.',
  },
];

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
