/**
 * Renders the message reference of docs/protocol.md (the part between the `generated`
 * markers) from the same schemas and examples as the AsyncAPI document.
 */
import { channelMessages, payloadSchema } from './asyncApiDocument.ts';
import { slabSchema } from './protocol.ts';
import type { JsonValue } from './yamlText.ts';

export const GENERATED_START = '<!-- generated:messages:start (edit server/transport/protocolExamples.ts, then run the generator) -->';
export const GENERATED_END = '<!-- generated:messages:end -->';

type SchemaObject = { [key: string]: JsonValue };

function asObject(value: JsonValue | undefined): SchemaObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/** Describes a JSON Schema node in a few words: `integer 0..4096`, `"HFS" | "FFS"`, `[number, number, number]`. */
export function describeSchema(node: JsonValue | undefined): string {
  const schema = asObject(node);
  if (schema === null) return 'any';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return variants.map(describeSchema).join(' \\| ');

  const type = schema.type;
  if (type === 'array') {
    if (Array.isArray(schema.items)) return `[${schema.items.map(describeSchema).join(', ')}]`;
    return `array of ${describeSchema(schema.items)}${bounds(schema.minItems, schema.maxItems, ' items')}`;
  }
  if (type === 'string') {
    const pattern = typeof schema.pattern === 'string' ? ` matching \`${schema.pattern}\`` : '';
    return `string${bounds(schema.minLength, schema.maxLength, ' chars')}${pattern}`;
  }
  if (type === 'integer' || type === 'number') {
    const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
    return `${type}${bounds(schema.minimum, maximum, '')}`;
  }
  if (type === 'object') return 'object';
  return typeof type === 'string' ? type : 'any';
}

function bounds(minimum: JsonValue | undefined, maximum: JsonValue | undefined, unit: string): string {
  const low = typeof minimum === 'number' ? minimum : null;
  const high = typeof maximum === 'number' ? maximum : null;
  if (low !== null && high !== null) return ` ${low}..${high}${unit}`;
  if (low !== null) return ` ≥ ${low}${unit}`;
  if (high !== null) return ` ≤ ${high}${unit}`;
  return '';
}

/** Table rows for an object schema's properties, descending into nested objects with dotted names. */
function fieldRows(schema: SchemaObject, prefix: string, depth: number): string[] {
  const properties = asObject(schema.properties);
  if (properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const rows: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const propertySchema = asObject(property);
    const path = `${prefix}${name}`;
    const note = propertySchema !== null && typeof propertySchema.description === 'string' ? propertySchema.description : '';
    const defaultValue = propertySchema !== null && 'default' in propertySchema ? ` Default ${JSON.stringify(propertySchema.default)}.` : '';
    rows.push(`| \`${path}\` | ${describeSchema(property)} | ${required.has(name) ? 'yes' : 'no'} | ${`${note}${defaultValue}`.trim()} |`);
    if (propertySchema !== null && propertySchema.type === 'object' && depth < 2) rows.push(...fieldRows(propertySchema, `${path}.`, depth + 1));
  }
  return rows;
}

export function renderMessageReference(): string {
  const parts: string[] = [GENERATED_START, ''];
  for (const channel of ['scanner', 'console'] as const) {
    const entries = channelMessages(channel);
    for (const direction of ['inbound', 'outbound'] as const) {
      const heading = direction === 'inbound' ? `Client to server on \`/v1/${channel}\`` : `Server to client on \`/v1/${channel}\``;
      parts.push(`### ${heading}`, '');
      if (channel === 'scanner' && direction === 'inbound') {
        parts.push(
          '#### Binary frame: DICOM image',
          '',
          'One DICOM Part 10 file per binary frame: the 128-byte preamble, `DICM`, the file meta information and the data set. ' +
            'Send the images of a series between its `series.started` and `series.complete`. The reply is an `ack` or an `error`.',
          '',
        );
      }
      for (const entry of entries.filter((candidate) => candidate.direction === direction)) {
        const schema = asObject(payloadSchema(entry)) ?? {};
        parts.push(
          `#### \`${entry.type}\``,
          '',
          entry.example.summary,
          '',
          '| Field | Type | Required | Notes |',
          '|---|---|---|---|',
          ...fieldRows(schema, '', 0),
          '',
          '```json',
          compactJson(entry.example.example),
          '```',
          '',
        );
      }
    }
  }
  parts.push(
    '### Slab object',
    '',
    'Slabs in `plan.apply`, `plan` and `qc.result.correctedSlab`. Coordinates are DICOM patient coordinates (LPS), millimetres.',
    '',
    '| Field | Type | Required | Notes |',
    '|---|---|---|---|',
    ...fieldRows(asObject(payloadSchema({ schema: slabSchema, direction: 'outbound' })) ?? {}, '', 0),
    '',
    GENERATED_END,
  );
  return parts.join('\n');
}

/** Pretty-prints JSON with arrays of numbers on one line, so vectors read as `[0, 1, 0]`. */
function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_match, inner: string) => `[${inner.replace(/,\s+/g, ', ')}]`);
}

/** Replaces the text between the markers; throws when the markers are missing. */
export function withMessageReference(markdown: string): string {
  const start = markdown.indexOf(GENERATED_START);
  const end = markdown.indexOf(GENERATED_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`docs/protocol.md lacks the generated-section markers. Add a line "${GENERATED_START}" and a line "${GENERATED_END}".`);
  }
  return `${markdown.slice(0, start)}${renderMessageReference()}${markdown.slice(end + GENERATED_END.length)}`;
}
