import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseCommandOptions, UsageError } from '../../../server/commandLine/options.ts';

const OPTIONS = {
  data: { type: 'string' },
  'max-cases': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(args: string[], allowPositionals = false) {
  return parseCommandOptions('evaluate', { args, options: OPTIONS, strict: true, allowPositionals });
}

function messageOf(args: string[]): string {
  try {
    parse(args);
  } catch (error) {
    assert.instance(error, UsageError);
    assert.is((error as UsageError).code, 'ERR_INVALID_ARGUMENT');
    return (error as UsageError).message;
  }
  throw new Error(`expected ${args.join(' ')} to be rejected`);
}

test('options: valid arguments parse', () => {
  const { values } = parse(['--data', 'sets', '--json', '-h']);
  assert.is(values.data, 'sets');
  assert.is(values.json, true);
  assert.is(values.help, true);
});

test('options: negative number is a value', () => {
  assert.is(parse(['--max-cases', '-1']).values['max-cases'], '-1');
  assert.is(parse(['--max-cases', '-0.5', '--json']).values['max-cases'], '-0.5');
  assert.is(parse(['--max-cases=-3']).values['max-cases'], '-3');
});

test('options: negative number after -- stays positional', () => {
  assert.equal(parse(['--', '-1'], true).positionals, ['-1']);
});

const rejected: { name: string; args: string[]; message: string }[] = [
  {
    name: 'unknown option with a close name',
    args: ['--jsn'],
    message: 'Unknown option --jsn. Did you mean --json? Run lumbar-copilot evaluate --help for the options.',
  },
  {
    name: 'unknown option without a close name',
    args: ['--frobnicate'],
    message: 'Unknown option --frobnicate. Run lumbar-copilot evaluate --help for the options.',
  },
  {
    name: 'unknown short option',
    args: ['-x'],
    message: 'Unknown option -x. Run lumbar-copilot evaluate --help for the options.',
  },
  {
    name: 'missing value at the end',
    args: ['--data'],
    message: 'Missing value for --data: pass --data VALUE. Run lumbar-copilot evaluate --help for the options.',
  },
  {
    name: 'option in place of a value',
    args: ['--data', '--json'],
    message: 'Missing value for --data: the next word, --json, is an option. Pass --data VALUE, or --data=VALUE for a value that starts with a dash.',
  },
  {
    name: 'value given to a switch',
    args: ['--json=yes'],
    message: 'Option --json takes no value, but got "yes". Pass --json alone.',
  },
  {
    name: 'positional argument',
    args: ['extra'],
    message: 'Unexpected argument "extra": lumbar-copilot evaluate takes options only. Run lumbar-copilot evaluate --help for the options.',
  },
];

for (const testCase of rejected) {
  test(`options: ${testCase.name}`, () => {
    assert.is(messageOf(testCase.args), testCase.message);
  });
}

test('options: first problem is reported', () => {
  assert.match(messageOf(['--jsn', '--data']), /^Unknown option --jsn\./);
  assert.match(messageOf(['--data', '--json', 'extra']), /^Missing value for --data/);
});

test('options: messages have no raw parseArgs text', () => {
  for (const testCase of rejected) {
    const message = messageOf(testCase.args);
    assert.not.match(message, /ambiguous|To specify|'--/, testCase.name);
  }
});

test.run();
