/**
 * Option parsing shared by the `lumbar-copilot` commands: node:util `parseArgs`, with each of its
 * errors turned into one plain sentence that names the option and the fix.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit code for invalid usage: an unknown option, an invalid or missing value, or an input or output path that cannot be used. */
export const EXIT_USAGE = 2;

/** Exit code for a run that started with valid options and then failed. */
export const EXIT_FAILURE = 1;

/** Invalid command-line usage; the message names the option or value and the fix. */
export class UsageError extends Error {
  readonly code = 'ERR_INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

const PARSE_ARGS_ERROR_CODES = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL']);

/**
 * Parses `config.args` with `parseArgs` for `lumbar-copilot <command>`. A negative number after
 * a string option is taken as its value (`--max-cases -1`), so the command's own check can name
 * the valid range. Throws `UsageError` for an unknown option, a missing value, a value given
 * to a switch, or a positional argument the command does not take.
 */
export function parseCommandOptions<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const args = joinNegativeNumberValues(config.args ?? [], options);
  try {
    return parseArgs<T>({ ...config, args });
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    const allowPositionals = config.allowPositionals ?? !(config.strict ?? true);
    throw new UsageError(describeParseArgsError(command, args, options, allowPositionals) ?? `${error.message} ${helpHint(command)}`);
  }
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && PARSE_ARGS_ERROR_CODES.has(error.code);
}

/**
 * Rewrites `--name -1` as `--name=-1` for string options. `parseArgs` rejects a value that
 * starts with a dash as ambiguous, but no option name starts with a digit.
 */
function joinNegativeNumberValues(args: readonly string[], options: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--') {
      joined.push(...args.slice(index));
      break;
    }
    const name = stringOptionNamed(arg, options);
    const next = args[index + 1];
    if (name !== null && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`--${name}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Returns the long name of the string option that `arg` (`--name` or `-n`, without a value) sets, else null. */
function stringOptionNamed(arg: string, options: OptionSpecs): string | null {
  const long = /^--([^=]+)$/.exec(arg);
  if (long !== null) return options[long[1]]?.type === 'string' ? long[1] : null;
  const short = /^-([^-])$/.exec(arg);
  if (short === null) return null;
  const entry = Object.entries(options).find(([, spec]) => spec.short === short[1]);
  return entry !== undefined && entry[1].type === 'string' ? entry[0] : null;
}

/**
 * Finds the first argument that strict parsing rejects and describes it, or returns null when
 * none is found. Strict `parseArgs` checks the arguments in order, so the first problem found
 * here is the one it raised.
 */
function describeParseArgsError(command: string, args: string[], options: OptionSpecs, allowPositionals: boolean): string | null {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (allowPositionals) continue;
      return `Unexpected argument "${token.value}": lumbar-copilot ${command} takes options only. ${helpHint(command)}`;
    }
    if (token.kind !== 'option') continue;

    const spec = options[token.name];
    if (spec === undefined) {
      const suggestions = closestOptionNames(token.name, Object.keys(options)).map((option) => `--${option}`);
      const didYouMean = suggestions.length === 0 ? '' : ` Did you mean ${suggestions.join(' or ')}?`;
      return `Unknown option ${token.rawName}.${didYouMean} ${helpHint(command)}`;
    }
    const name = `--${token.name}`;
    if (spec.type === 'boolean' && token.value !== undefined) {
      return `Option ${name} takes no value, but got "${token.value}". Pass ${name} alone.`;
    }
    if (spec.type === 'string' && token.value === undefined) {
      return `Missing value for ${name}: pass ${name} VALUE. ${helpHint(command)}`;
    }
    if (spec.type === 'string' && !token.inlineValue && token.value !== undefined && token.value.length > 1 && token.value.startsWith('-')) {
      return `Missing value for ${name}: the next word, ${token.value}, is an option. Pass ${name} VALUE, or ${name}=VALUE for a value that starts with a dash.`;
    }
  }
  return null;
}

function helpHint(command: string): string {
  return `Run lumbar-copilot ${command} --help for the options.`;
}

/** Returns the known options closest to a mistyped `name` (at most 2 edits, fewer than half its length), sorted; empty when none is close. */
function closestOptionNames(name: string, known: string[]): string[] {
  let closest: string[] = [];
  let closestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance > 2 || distance * 2 >= name.length || distance > closestDistance) continue;
    if (distance < closestDistance) closest = [];
    closest.push(candidate);
    closestDistance = distance;
  }
  return closest.sort();
}

/** Levenshtein distance: the number of single-character insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
