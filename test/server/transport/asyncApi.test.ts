import { readFileSync } from 'node:fs';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { buildAsyncApiDocument, channelMessages, renderAsyncApiYaml } from '../../../server/transport/asyncApiDocument.ts';
import { consoleOutbound, scannerOutbound } from '../../../server/transport/outboundSchemas.ts';
import { describeSchema, renderMessageReference } from '../../../server/transport/protocolDocs.ts';
import {
  CONSOLE_INBOUND_EXAMPLES,
  CONSOLE_OUTBOUND_EXAMPLES,
  SCANNER_INBOUND_EXAMPLES,
  SCANNER_OUTBOUND_EXAMPLES,
} from '../../../server/transport/protocolExamples.ts';
import { consoleInbound, scannerInbound } from '../../../server/transport/protocol.ts';
import { ASYNCAPI_PATH, expectedProtocolDocs, PROTOCOL_DOC_PATH } from '../../../server/transport/writeProtocolDocs.ts';
import { toYaml } from '../../../server/transport/yamlText.ts';

const REGENERATE = 'run `node --import tsx server/transport/writeProtocolDocs.ts`';

test('asyncapi.yaml matches the schemas', () => {
  assert.ok(readFileSync(ASYNCAPI_PATH, 'utf8') === renderAsyncApiYaml(), `docs/asyncapi.yaml is out of date: ${REGENERATE}`);
});

test('hub routing errors are documented', () => {
  const reference = renderMessageReference();
  const asyncApi = renderAsyncApiYaml();
  for (const code of ['ERR_UNKNOWN_EXAM', 'ERR_NO_EXAM_FOR_IMAGE', 'ERR_UNKNOWN_SESSION']) {
    assert.ok(reference.includes(`| \`${code}\` |`), `${code} missing from the protocol.md message reference`);
    assert.ok(asyncApi.includes(code), `${code} missing from asyncapi.yaml`);
  }
});

test('protocol.md message reference matches the schemas', () => {
  const expected = expectedProtocolDocs().find((file) => file.path === PROTOCOL_DOC_PATH);
  assert.ok(expected !== undefined);
  assert.ok(readFileSync(PROTOCOL_DOC_PATH, 'utf8') === expected?.text, `docs/protocol.md is out of date: ${REGENERATE}`);
});

test('every documented field has a note', () => {
  const reference = renderMessageReference();
  const fieldRows = reference.split('\n').filter((line) => /^\| `[^`]+` \|/.test(line));
  assert.ok(fieldRows.length > 100, `${fieldRows.length} field rows`);
  for (const row of fieldRows) {
    const cells = row.split(' | ');
    const note = (cells.at(-1) ?? '').replace(/\|$/, '').trim();
    assert.ok(note.length > 0, `empty note in ${row}`);
  }
});

test('image frame section lists transfer syntaxes', () => {
  const reference = renderMessageReference();
  for (const syntax of ['1.2.840.10008.1.2`', '1.2.840.10008.1.2.1`', '1.2.840.10008.1.2.1.99`']) assert.ok(reference.includes(syntax), syntax);
  for (const attribute of ['Pixel Spacing (0028,0030)', 'Image Orientation (Patient) (0020,0037)', 'Frame of Reference UID (0020,0052)']) {
    assert.ok(reference.includes(attribute), attribute);
  }
});

test('every message type has a component and operation', () => {
  const document = buildAsyncApiDocument() as {
    components: { messages: Record<string, unknown> };
    channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
    operations: Record<string, { messages: { $ref: string }[] }>;
  };
  const inboundTypes = {
    scanner: scannerInbound.options.map((option) => option.shape.type.value),
    console: consoleInbound.options.map((option) => option.shape.type.value),
  };
  for (const channel of ['scanner', 'console'] as const) {
    assert.is(document.channels[channel].address, `/v1/${channel}`);
    for (const type of inboundTypes[channel]) {
      const key = `${channel}.${type}`;
      assert.ok(key in document.components.messages, `missing component ${key}`);
      assert.is(document.channels[channel].messages[key].$ref, `#/components/messages/${key}`);
    }
  }
  const referenced = Object.values(document.operations).flatMap((operation) => operation.messages.map((message) => message.$ref));
  for (const [channel, { messages }] of Object.entries(document.channels)) {
    for (const key of Object.keys(messages)) {
      assert.ok(referenced.includes(`#/channels/${channel}/messages/${key}`), `no operation sends or receives ${key}`);
    }
  }
});

test('inbound payload schemas follow zod', () => {
  const slabAdjust = channelMessages('console').find((entry) => entry.key === 'console.slab.adjust');
  assert.ok(slabAdjust !== undefined);
  const document = buildAsyncApiDocument() as { components: { messages: Record<string, { payload: { properties: Record<string, { properties?: Record<string, { maximum?: number }> }> } }> } };
  const tilt = document.components.messages['console.slab.adjust'].payload.properties.adjustment.properties?.tiltAboutRowDeg;
  assert.is(tilt?.maximum, 45);
});

test('inbound examples pass validation', () => {
  for (const { example } of Object.values(SCANNER_INBOUND_EXAMPLES)) {
    const parsed = scannerInbound.safeParse(example);
    assert.ok(parsed.success, `${example.type}: ${parsed.success ? '' : parsed.error.message}`);
  }
  for (const { example } of Object.values(CONSOLE_INBOUND_EXAMPLES)) {
    const parsed = consoleInbound.safeParse(example);
    assert.ok(parsed.success, `${example.type}: ${parsed.success ? '' : parsed.error.message}`);
  }
});

test('outbound examples pass validation', () => {
  for (const { example } of Object.values(SCANNER_OUTBOUND_EXAMPLES)) {
    const parsed = scannerOutbound.safeParse(example);
    assert.ok(parsed.success, `${example.type}: ${parsed.success ? '' : parsed.error.message}`);
  }
  for (const { example } of Object.values(CONSOLE_OUTBOUND_EXAMPLES)) {
    const parsed = consoleOutbound.safeParse(example);
    assert.ok(parsed.success, `${example.type}: ${parsed.success ? '' : parsed.error.message}`);
  }
});

test('yaml quotes ambiguous strings', () => {
  assert.is(toYaml({ a: 'plain', b: 'yes', c: '1.2.3', d: 'two words', e: '' }), 'a: plain\nb: "yes"\nc: "1.2.3"\nd: "two words"\ne: ""\n');
  assert.is(toYaml({ '14': 'L4/L5', $ref: '#/x' }), '"14": L4/L5\n$ref: "#/x"\n');
});

test('yaml nests lists and maps', () => {
  const text = toYaml({ list: [1, { a: true, b: [null] }, []], empty: {} });
  assert.is(text, 'list:\n  - 1\n  - a: true\n    b:\n      - null\n  - []\nempty: {}\n');
});

test('yaml rejects non-finite numbers', () => {
  assert.throws(() => toYaml({ value: Number.NaN }), /NaN/);
});

test('schema descriptions for docs', () => {
  assert.is(describeSchema({ type: 'integer', minimum: 0, maximum: 4096 }), 'integer 0..4096');
  assert.is(describeSchema({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), 'integer ≥ 0');
  assert.is(describeSchema({ type: 'string', enum: ['accept', 'rescan'] }), '"accept" \\| "rescan"');
  assert.is(describeSchema({ type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 32 }), 'array of string 1..32 items');
});

test.run();
