import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { consoleInbound, scannerInbound } from '../../../server/transport/protocol.ts';
import { messageTypesOf, parseInboundText } from '../../../server/transport/validation.ts';

function rejection(text: string, endpoint: 'scanner' | 'console' = 'scanner') {
  const result = endpoint === 'scanner' ? parseInboundText(text, scannerInbound, endpoint) : parseInboundText(text, consoleInbound, endpoint);
  if (result.ok) throw new Error(`expected ${text} to be rejected`);
  return result.error;
}

test('message types listed from schema', () => {
  assert.equal(messageTypesOf(consoleInbound), ['session.watch', 'plan.confirm', 'slab.adjust', 'plan.reject', 'replan.request', 'qc.acknowledge']);
});

test('valid message parsed with defaults', () => {
  const result = parseInboundText('{"type":"exam.ended","messageId":"m1","examId":"e1"}', scannerInbound, 'scanner');
  assert.ok(result.ok);
  if (result.ok) assert.equal(result.message, { type: 'exam.ended', messageId: 'm1', examId: 'e1', reason: 'completed' });
});

test('protocolVersion 1 accepted', () => {
  const result = parseInboundText('{"type":"exam.ended","messageId":"m1","examId":"e1","protocolVersion":1}', scannerInbound, 'scanner');
  assert.ok(result.ok);
});

test('invalid JSON names the parse error', () => {
  const error = rejection('{"type":');
  assert.is(error.code, 'ERR_INVALID_JSON');
  assert.is(error.inReplyTo, undefined);
  assert.match(error.message, /not valid JSON/);
});

test('non-object JSON rejected', () => {
  for (const text of ['null', '42', '"text"', '[]']) {
    const error = rejection(text);
    assert.is(error.code, 'ERR_INVALID_MESSAGE', text);
    assert.is(error.expected, 'a JSON object', text);
  }
});

test('unknown type lists valid types', () => {
  const error = rejection('{"type":"exam.paused","messageId":"m7"}');
  assert.is(error.code, 'ERR_UNKNOWN_MESSAGE_TYPE');
  assert.is(error.field, 'type');
  assert.is(error.inReplyTo, 'm7');
  assert.match(error.expected ?? '', /"exam.started"/);
  assert.match(error.message, /exam.paused/);
});

test('wrong protocol version rejected', () => {
  const error = rejection('{"type":"exam.ended","messageId":"m1","examId":"e1","protocolVersion":"2"}');
  assert.is(error.code, 'ERR_UNSUPPORTED_PROTOCOL_VERSION');
  assert.is(error.field, 'protocolVersion');
  assert.is(error.expected, '1');
});

const fieldCases: { name: string; message: object; field: string; expected: RegExp }[] = [
  {
    name: 'missing required field',
    message: { type: 'exam.started', messageId: 'm1', protocol: 'lumbar-routine', patientPosition: 'HFS' },
    field: 'examId',
    expected: /type string/,
  },
  {
    name: 'enum value',
    message: { type: 'exam.started', messageId: 'm1', examId: 'e1', protocol: 'lumbar-routine', patientPosition: 'supine' },
    field: 'patientPosition',
    expected: /"HFS"/,
  },
  {
    name: 'UID pattern',
    message: { type: 'series.complete', messageId: 'm1', examId: 'e1', seriesInstanceUid: '1.2.abc', imageCount: 3 },
    field: 'seriesInstanceUid',
    expected: /DICOM UID/,
  },
  {
    name: 'integer required',
    message: { type: 'series.complete', messageId: 'm1', examId: 'e1', seriesInstanceUid: '1.2', imageCount: 2.5 },
    field: 'imageCount',
    expected: /^an integer$/,
  },
  {
    name: 'upper bound',
    message: { type: 'series.complete', messageId: 'm1', examId: 'e1', seriesInstanceUid: '1.2', imageCount: 5000 },
    field: 'imageCount',
    expected: /<= 4096/,
  },
  {
    name: 'empty string',
    message: { type: 'exam.ended', messageId: 'm1', examId: '' },
    field: 'examId',
    expected: /length >= 1/,
  },
];

for (const testCase of fieldCases) {
  test(`invalid field: ${testCase.name}`, () => {
    const error = rejection(JSON.stringify(testCase.message));
    assert.is(error.code, 'ERR_INVALID_MESSAGE');
    assert.is(error.field, testCase.field);
    assert.match(error.expected ?? '', testCase.expected);
    assert.is(error.inReplyTo, 'm1');
    assert.match(error.message, new RegExp(`"${testCase.field}"`));
  });
}

test('nested field reported as dotted path', () => {
  const error = rejection(
    JSON.stringify({
      type: 'slab.adjust',
      messageId: 'a1',
      sessionId: 's1',
      planRevision: 0,
      adjustment: { slabId: 'L4/L5', shiftInPlaneMm: { row: 0, column: 500 } },
    }),
    'console',
  );
  assert.is(error.field, 'adjustment.shiftInPlaneMm.column');
  assert.is(error.expected, 'a number <= 100');
});

test('array item reported with its index', () => {
  const error = rejection(
    JSON.stringify({ type: 'plan.confirm', messageId: 'c1', sessionId: 's1', planRevision: 1, slabIds: ['L4/L5', ''] }),
    'console',
  );
  assert.is(error.field, 'slabIds.1');
});

test('unreadable messageId leaves inReplyTo out', () => {
  const error = rejection(JSON.stringify({ type: 'exam.ended', messageId: 17, examId: 'e1' }));
  assert.is(error.field, 'messageId');
  assert.is(error.inReplyTo, undefined);
});

test('any JSON value yields a result, never a throw', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = parseInboundText(JSON.stringify(value), consoleInbound, 'console');
      if (!result.ok) {
        assert.type(result.error.code, 'string');
        assert.ok(result.error.message.length > 0);
      }
    }),
  );
});

test('any string yields a result, never a throw', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const result = parseInboundText(text, scannerInbound, 'scanner');
      assert.type(result.ok, 'boolean');
    }),
  );
});

test('missing field called missing', () => {
  const error = rejection('{"type":"exam.started","messageId":"m1","protocol":"lumbar-routine","patientPosition":"HFS"}');
  assert.match(error.message, /field "examId": missing/);
});

test('other invalid fields named', () => {
  const error = rejection('{"type":"exam.started","messageId":"m1","examId":7,"protocol":8,"patientPosition":"XYZ"}');
  assert.match(error.message, /field "examId": /);
  assert.match(error.message, /also invalid: "protocol", "patientPosition"/);
});

test.run();
