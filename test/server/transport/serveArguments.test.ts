import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseServeArguments, ServeUsageError } from '../../../server/transport/serveArguments.ts';

function usageErrorOf(argv: string[]): ServeUsageError {
  try {
    parseServeArguments(argv);
  } catch (error) {
    assert.instance(error, ServeUsageError);
    return error as ServeUsageError;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

test('serve defaults', () => {
  const args = parseServeArguments([]);
  assert.is(args.host, '127.0.0.1');
  assert.is(args.port, 8080);
  assert.is(args.dataDir, './var');
  assert.is(args.token, undefined);
  assert.is(args.executionProvider, 'cpu');
  assert.is(args.protocol, 'lumbar-routine');
  assert.equal(args.allowedOrigins, []);
  assert.is(args.help, false);
});

test('serve parses every option', () => {
  const args = parseServeArguments([
    '--host', '::1',
    '--port', '0',
    '--data-dir', '/tmp/lumbar',
    '--token', 'abcdefghijklmnop',
    '--model', 'models/other.onnx',
    '--execution-provider', 'cuda',
    '--protocol', 'lumbar-stack',
    '--allow-origin', 'http://localhost:5173/',
    '--allow-origin', 'https://Console.Example',
    '--help',
  ]);
  assert.is(args.host, '::1');
  assert.is(args.port, 0);
  assert.is(args.dataDir, '/tmp/lumbar');
  assert.is(args.token, 'abcdefghijklmnop');
  assert.is(args.modelPath, 'models/other.onnx');
  assert.is(args.executionProvider, 'cuda');
  assert.is(args.protocol, 'lumbar-stack');
  assert.equal(args.allowedOrigins, ['http://localhost:5173', 'https://console.example']);
  assert.is(args.help, true);
});

const invalidCases: { name: string; argv: string[]; mentions: RegExp }[] = [
  { name: 'unknown option', argv: ['--frobnicate'], mentions: /--frobnicate.*--help/ },
  { name: 'port not a number', argv: ['--port', 'eighty'], mentions: /--port "eighty".*0 to 65535/ },
  { name: 'port out of range', argv: ['--port', '70000'], mentions: /--port "70000"/ },
  { name: 'negative port', argv: ['--port', '-1'], mentions: /^Invalid --port "-1": use an integer from 0 to 65535/ },
  { name: 'misspelled option', argv: ['--data-dri', 'var'], mentions: /^Unknown option --data-dri\. Did you mean --data-dir\?/ },
  { name: 'missing value', argv: ['--port'], mentions: /^Missing value for --port/ },
  { name: 'host with spaces', argv: ['--host', 'local host'], mentions: /--host "local host"/ },
  { name: 'short token', argv: ['--token', 'short'], mentions: /--token.*5 characters/ },
  { name: 'token with space', argv: ['--token', 'abcdefgh ijklmnopq'], mentions: /--token.*spaces/ },
  { name: 'execution provider', argv: ['--execution-provider', 'tpu'], mentions: /"tpu".*cpu, cuda, webgpu/ },
  { name: 'origin with path', argv: ['--allow-origin', 'http://localhost:5173/app'], mentions: /"http:\/\/localhost:5173\/app"/ },
  { name: 'origin not a URL', argv: ['--allow-origin', 'localhost'], mentions: /"localhost"/ },
  { name: 'empty data dir', argv: ['--data-dir', ''], mentions: /--data-dir ""/ },
  { name: 'positional argument', argv: ['extra'], mentions: /extra/ },
];

for (const testCase of invalidCases) {
  test(`serve rejects ${testCase.name}`, () => {
    const error = usageErrorOf(testCase.argv);
    assert.is(error.code, 'ERR_INVALID_ARGUMENT');
    assert.match(error.message, testCase.mentions);
  });
}

test.run();
