/**
 * Writes JSON data as block-style YAML 1.2, for generated documents such as docs/asyncapi.yaml.
 * Strings that could read as another type or contain special characters are double-quoted
 * with JSON escapes, which YAML accepts unchanged.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const PLAIN_TEXT = /^[A-Za-z_/$][A-Za-z0-9_./$-]*$/;
const RESERVED_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

export function toYaml(value: JsonValue): string {
  if (isContainer(value) && !isEmpty(value)) return `${emitBlock(value, 0).join('\n')}\n`;
  return `${scalar(value)}\n`;
}

function emitBlock(value: JsonValue[] | { [key: string]: JsonValue }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];

  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isContainer(item) || isEmpty(item)) {
        lines.push(`${pad}- ${scalar(item)}`);
        continue;
      }
      const nested = emitBlock(item, indent + 2);
      // The first line of the item moves up onto the dash: "- key: value".
      nested[0] = `${pad}- ${nested[0].slice(indent + 2)}`;
      lines.push(...nested);
    }
    return lines;
  }

  for (const [key, entry] of Object.entries(value)) {
    if (!isContainer(entry) || isEmpty(entry)) {
      lines.push(`${pad}${yamlKey(key)}: ${scalar(entry)}`);
      continue;
    }
    lines.push(`${pad}${yamlKey(key)}:`);
    lines.push(...emitBlock(entry, indent + 2));
  }
  return lines;
}

function scalar(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot write ${value} as YAML: JSON data has only finite numbers.`);
    return String(value);
  }
  if (typeof value === 'string') return PLAIN_TEXT.test(value) && !RESERVED_WORDS.test(value) ? value : JSON.stringify(value);
  return Array.isArray(value) ? '[]' : '{}';
}

function yamlKey(key: string): string {
  return PLAIN_TEXT.test(key) && !RESERVED_WORDS.test(key) ? key : JSON.stringify(key);
}

function isContainer(value: JsonValue): value is JsonValue[] | { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: JsonValue[] | { [key: string]: JsonValue }): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}
