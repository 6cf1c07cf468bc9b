/**
 * Turns one inbound text frame into a typed protocol message, or into an `error` reply that
 * names the failing field (dotted path) and the expected value. Pure: no logging, no I/O.
 */
import type { z } from 'zod';

import { protocolError, TRANSPORT_ERROR_CODES } from './errors.ts';
import { PROTOCOL_VERSION, type ProtocolErrorMessage } from './protocol.ts';

export type InboundParseResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolErrorMessage };

/** A discriminated union of `z.object`s keyed on a literal `type`, as `scannerInbound` and `consoleInbound` are. */
export interface InboundSchema<T> {
  safeParse(input: unknown): z.ZodSafeParseResult<T>;
  options: readonly { shape: { type: { value: unknown } } }[];
}

/** Lists the `type` values a discriminated union accepts, in declaration order. */
export function messageTypesOf(schema: InboundSchema<unknown>): string[] {
  return schema.options.map((option) => String(option.shape.type.value));
}

/**
 * Parses and validates one text frame against `schema`. `endpointName` appears in messages
 * (for example `console`) so the sender knows which list of types applies.
 */
export function parseInboundText<T>(text: string, schema: InboundSchema<T>, endpointName: string): InboundParseResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: protocolError(
        TRANSPORT_ERROR_CODES.invalidJson,
        `Text frame is not valid JSON (${reason}). Send one JSON object per text frame.`,
        { expected: 'a JSON object' },
      ),
    };
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const received = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return {
      ok: false,
      error: protocolError(
        TRANSPORT_ERROR_CODES.invalidMessage,
        `Message is ${received}, not a JSON object. Send an object with a "type" field.`,
        { expected: 'a JSON object' },
      ),
    };
  }

  const record = value as Record<string, unknown>;
  const inReplyTo = readMessageId(record);
  const replyTo = inReplyTo === undefined ? {} : { inReplyTo };

  if ('protocolVersion' in record && record.protocolVersion !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: protocolError(
        TRANSPORT_ERROR_CODES.unsupportedProtocolVersion,
        `Invalid protocolVersion ${JSON.stringify(record.protocolVersion)}: this server speaks protocol version ${PROTOCOL_VERSION}. ` +
          `Send protocolVersion ${PROTOCOL_VERSION} or leave the field out.`,
        { field: 'protocolVersion', expected: String(PROTOCOL_VERSION), ...replyTo },
      ),
    };
  }

  const knownTypes = messageTypesOf(schema);
  const expectedTypes = `one of ${knownTypes.map((type) => `"${type}"`).join(', ')}`;
  if (typeof record.type !== 'string') {
    return {
      ok: false,
      error: protocolError(
        TRANSPORT_ERROR_CODES.invalidMessage,
        `Message has no string "type" field. Set "type" to ${expectedTypes}.`,
        { field: 'type', expected: expectedTypes, ...replyTo },
      ),
    };
  }
  if (!knownTypes.includes(record.type)) {
    return {
      ok: false,
      error: protocolError(
        TRANSPORT_ERROR_CODES.unknownMessageType,
        `Unknown message type "${truncate(record.type)}" on the ${endpointName} endpoint. Use ${expectedTypes}.`,
        { field: 'type', expected: expectedTypes, ...replyTo },
      ),
    };
  }

  const parsed = schema.safeParse(record);
  if (parsed.success) return { ok: true, message: parsed.data };

  const [issue, ...otherIssues] = parsed.error.issues;
  const field = issue === undefined ? '' : issue.path.map(String).join('.');
  const expected = issue === undefined ? 'a valid message' : describeExpected(issue);
  const problem = issue === undefined ? 'invalid value' : isMissing(record, issue.path) ? 'missing' : issue.message;
  const otherFields = [...new Set(otherIssues.map((other) => `"${other.path.map(String).join('.')}"`))];
  const more = otherFields.length > 0 ? ` (also invalid: ${otherFields.slice(0, MAX_LISTED_FIELDS).join(', ')}${otherFields.length > MAX_LISTED_FIELDS ? ', ...' : ''})` : '';
  return {
    ok: false,
    error: protocolError(
      TRANSPORT_ERROR_CODES.invalidMessage,
      `Invalid ${record.type} message at field "${field}": ${problem}${more}. Send ${expected}.`,
      { field, expected, ...replyTo },
    ),
  };
}

/** Other invalid fields named in one error message, after the first. */
const MAX_LISTED_FIELDS = 5;

/** Returns whether the field at `path` is absent from the message (not merely of the wrong type). */
function isMissing(record: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  let value: unknown = record;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !(key in value)) return true;
    value = Reflect.get(value, key);
  }
  return value === undefined;
}

function readMessageId(record: Record<string, unknown>): string | undefined {
  const messageId = record.messageId;
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 128) return undefined;
  return messageId;
}

/** Describes, in words, what zod expected for one failed check. */
export function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a value of type ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      return describeBound(issue.origin, issue.inclusive ? '>=' : '>', issue.minimum);
    case 'too_big':
      return describeBound(issue.origin, issue.inclusive ? '<=' : '<', issue.maximum);
    case 'invalid_format':
      return issue.format === 'regex' ? `a string matching ${issue.pattern ?? 'the pattern'} (${issue.message})` : `a ${issue.format} string`;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `no extra keys (remove ${issue.keys.join(', ')})`;
    default:
      return issue.message;
  }
}

function describeBound(origin: string, operator: string, bound: number | bigint): string {
  if (origin === 'string') return `a string with length ${operator} ${String(bound)}`;
  if (origin === 'array') return `an array with length ${operator} ${String(bound)}`;
  return `a number ${operator} ${String(bound)}`;
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
