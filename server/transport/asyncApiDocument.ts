/**
 * Builds the AsyncAPI 3.0 document of the wire protocol from the zod schemas, so that
 * docs/asyncapi.yaml cannot drift from what the server validates. Payload schemas are
 * generated with `z.toJSONSchema` (draft-07, which AsyncAPI schema objects extend).
 */
import { z } from 'zod';

import { HUB_ROUTING_ERRORS, TRANSPORT_ERROR_CODES } from './errors.ts';
import {
  consoleAck,
  errorMessage,
  localizerMessage,
  planApply,
  planMessage,
  qcResultMessage,
  scannerAck,
  segmentationMessage,
  sessionStateMessage,
} from './outboundSchemas.ts';
import {
  CONSOLE_INBOUND_EXAMPLES,
  CONSOLE_OUTBOUND_EXAMPLES,
  type MessageExample,
  SCANNER_INBOUND_EXAMPLES,
  SCANNER_OUTBOUND_EXAMPLES,
} from './protocolExamples.ts';
import { consoleInbound, PROTOCOL_VERSION, scannerInbound } from './protocol.ts';
import { type JsonValue, toYaml } from './yamlText.ts';

type Direction = 'inbound' | 'outbound';

interface MessageEntry {
  /** Component key, unique across both channels, such as `scanner.exam.started`. */
  key: string;
  type: string;
  direction: Direction;
  schema: z.ZodType;
  example: MessageExample<unknown>;
}

/** Lists every JSON message of one channel, inbound first, in schema order. */
export function channelMessages(channel: 'scanner' | 'console'): MessageEntry[] {
  const inbound = channel === 'scanner' ? scannerInbound.options : consoleInbound.options;
  const inboundExamples: Record<string, MessageExample<unknown>> = channel === 'scanner' ? SCANNER_INBOUND_EXAMPLES : CONSOLE_INBOUND_EXAMPLES;
  const outbound: z.ZodObject[] =
    channel === 'scanner'
      ? [scannerAck, planApply, errorMessage]
      : [sessionStateMessage, localizerMessage, segmentationMessage, planMessage, qcResultMessage, consoleAck, errorMessage];
  const outboundExamples: Record<string, MessageExample<unknown>> = channel === 'scanner' ? SCANNER_OUTBOUND_EXAMPLES : CONSOLE_OUTBOUND_EXAMPLES;

  const entries: MessageEntry[] = [];
  for (const schema of inbound) {
    const type = String(schema.shape.type.value);
    entries.push({ key: `${channel}.${type}`, type, direction: 'inbound', schema, example: requireExample(inboundExamples, type) });
  }
  for (const schema of outbound) {
    const type = String((schema.shape.type as z.ZodLiteral).value);
    entries.push({ key: `${channel}.out.${type}`, type, direction: 'outbound', schema, example: requireExample(outboundExamples, type) });
  }
  return entries;
}

function requireExample(examples: Record<string, MessageExample<unknown>>, type: string): MessageExample<unknown> {
  const example = examples[type];
  if (example === undefined) throw new Error(`No example for message type ${type}: add one to protocolExamples.ts.`);
  return example;
}

/**
 * Generates the JSON Schema of one message. Inbound schemas describe what the server accepts,
 * so fields with defaults are optional. Outbound schemas allow extra properties, because later
 * protocol versions may add fields and clients must ignore the ones they do not know.
 */
export function payloadSchema(entry: Pick<MessageEntry, 'schema' | 'direction'>): JsonValue {
  const generated = z.toJSONSchema(entry.schema, { target: 'draft-07', io: entry.direction === 'inbound' ? 'input' : 'output' }) as JsonValue;
  const cleaned = entry.direction === 'outbound' ? withoutClosedObjects(generated) : generated;
  if (typeof cleaned === 'object' && cleaned !== null && !Array.isArray(cleaned)) delete cleaned.$schema;
  return cleaned;
}

function withoutClosedObjects(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutClosedObjects);
  if (typeof value !== 'object' || value === null) return value;
  const result: { [key: string]: JsonValue } = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === 'additionalProperties' && entry === false) continue;
    result[key] = withoutClosedObjects(entry);
  }
  return result;
}

function messageComponent(entry: MessageEntry): JsonValue {
  return {
    name: entry.type,
    title: entry.type,
    summary: entry.example.summary,
    contentType: 'application/json',
    payload: payloadSchema(entry),
    examples: [{ name: entry.type, payload: entry.example.example as JsonValue }],
  };
}

const dicomImageMessage: JsonValue = {
  name: 'dicom.image',
  title: 'DICOM image',
  summary: 'One DICOM Part 10 file (128-byte preamble, DICM, meta information, data set) as a binary frame.',
  contentType: 'application/dicom',
  payload: { type: 'string', format: 'binary' },
};

export function buildAsyncApiDocument(): JsonValue {
  const scanner = channelMessages('scanner');
  const consoleEntries = channelMessages('console');

  const messages: { [key: string]: JsonValue } = { 'scanner.dicom.image': dicomImageMessage };
  for (const entry of [...scanner, ...consoleEntries]) messages[entry.key] = messageComponent(entry);

  const channelRefs = (entries: MessageEntry[], extra: string[] = []): { [key: string]: JsonValue } =>
    Object.fromEntries([...extra, ...entries.map((entry) => entry.key)].map((key) => [key, { $ref: `#/components/messages/${key}` }]));
  const operationRefs = (channel: string, entries: MessageEntry[], direction: Direction, extra: string[] = []): JsonValue[] => [
    ...extra.map((key) => ({ $ref: `#/channels/${channel}/messages/${key}` })),
    ...entries.filter((entry) => entry.direction === direction).map((entry) => ({ $ref: `#/channels/${channel}/messages/${entry.key}` })),
  ];

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Lumbar Co-pilot wire protocol',
      version: String(PROTOCOL_VERSION),
      description:
        'WebSocket protocol between the Lumbar Co-pilot server, scanner adapters and technologist consoles. ' +
        'Generated from the zod schemas in server/transport/ by `node --import tsx server/transport/writeProtocolDocs.ts`; do not edit by hand. ' +
        'Error codes the transport sends: ' +
        Object.values(TRANSPORT_ERROR_CODES).join(', ') +
        '. Error codes the session hub sends for a message that names no open exam or session: ' +
        HUB_ROUTING_ERRORS.map((error) => error.code).join(', ') +
        '.',
    },
    servers: {
      local: {
        host: '127.0.0.1:8080',
        protocol: 'ws',
        description: 'Default `lumbar-copilot serve` address. Plain WebSocket on loopback; put a TLS proxy in front for other hosts.',
        security: [{ $ref: '#/components/securitySchemes/bearerToken' }, { $ref: '#/components/securitySchemes/queryToken' }],
      },
    },
    channels: {
      scanner: {
        address: `/v${PROTOCOL_VERSION}/scanner`,
        title: 'Scanner adapter',
        description: 'Exam events as JSON text frames and images as binary frames in; acknowledgements, errors and plans to apply out.',
        messages: channelRefs(scanner, ['scanner.dicom.image']),
      },
      console: {
        address: `/v${PROTOCOL_VERSION}/console`,
        title: 'Technologist console',
        description: 'Technologist actions in; session state, images, segmentation, plans, QC results, acknowledgements and errors out.',
        messages: channelRefs(consoleEntries),
      },
    },
    operations: {
      receiveScannerEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/scanner' },
        summary: 'The server receives exam events and images from a scanner adapter.',
        messages: operationRefs('scanner', scanner, 'inbound', ['scanner.dicom.image']),
      },
      sendToScanner: {
        action: 'send',
        channel: { $ref: '#/channels/scanner' },
        summary: 'The server acknowledges each message and sends confirmed plans to the adapter that drives the exam.',
        messages: operationRefs('scanner', scanner, 'outbound'),
      },
      receiveConsoleActions: {
        action: 'receive',
        channel: { $ref: '#/channels/console' },
        summary: 'The server receives technologist actions.',
        messages: operationRefs('console', consoleEntries, 'inbound'),
      },
      sendToConsole: {
        action: 'send',
        channel: { $ref: '#/channels/console' },
        summary: 'The server streams each watched session to the console and replies to its actions.',
        messages: operationRefs('console', consoleEntries, 'outbound'),
      },
    },
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'Access token in `Authorization: Bearer <token>`.' },
        queryToken: { type: 'httpApiKey', name: 'token', in: 'query', description: 'Access token as the `token` query parameter, for browsers.' },
      },
      messages,
    },
  };
}

export function renderAsyncApiYaml(): string {
  return `# Generated by \`node --import tsx server/transport/writeProtocolDocs.ts\`; do not edit by hand.\n${toYaml(buildAsyncApiDocument())}`;
}
