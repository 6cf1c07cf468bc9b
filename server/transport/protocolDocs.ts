/**
 * Renders the message reference of docs/protocol.md (the part between the `generated`
 * markers) from the same schemas and examples as the AsyncAPI document.
 */
import { channelMessages, payloadSchema } from './asyncApiDocument.ts';
import { HUB_ROUTING_ERRORS } from './errors.ts';
import { PATIENT_POSITIONS } from '../geometry/types.ts';
import { slabSchema } from './protocol.ts';
import { fieldNote } from './protocolFieldNotes.ts';
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

/**
 * Table rows for an object schema's properties, descending into nested objects with dotted
 * names. A field's note is its schema description, else the note `protocolFieldNotes.ts` has.
 */
function fieldRows(schema: SchemaObject, prefix: string, depth: number, messageType: string | null): string[] {
  const properties = asObject(schema.properties);
  if (properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const rows: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const propertySchema = asObject(property);
    const path = `${prefix}${name}`;
    const note =
      propertySchema !== null && typeof propertySchema.description === 'string' ? propertySchema.description : fieldNote(messageType, path);
    const defaultValue = propertySchema !== null && 'default' in propertySchema ? ` Default ${JSON.stringify(propertySchema.default)}.` : '';
    rows.push(`| \`${path}\` | ${describeSchema(property)} | ${required.has(name) ? 'yes' : 'no'} | ${`${note}${defaultValue}`.trim()} |`);
    if (propertySchema !== null && propertySchema.type === 'object' && depth < 2) {
      rows.push(...fieldRows(propertySchema, `${path}.`, depth + 1, messageType));
    }
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
      if (channel === 'scanner' && direction === 'inbound') parts.push(...imageFrameSection());
      for (const entry of entries.filter((candidate) => candidate.direction === direction)) {
        const schema = asObject(payloadSchema(entry)) ?? {};
        parts.push(
          `#### \`${entry.type}\``,
          '',
          entry.example.summary,
          '',
          '| Field | Type | Required | Notes |',
          '|---|---|---|---|',
          ...fieldRows(schema, '', 0, entry.type),
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
    '### Errors about unknown exams and sessions',
    '',
    'The session hub sends these `error` replies, with the shape above, when a message names no open exam or session:',
    '',
    '| Code | Cause | What the client does |',
    '|---|---|---|',
    ...HUB_ROUTING_ERRORS.map((error) => `| \`${error.code}\` | ${error.cause} | ${error.remedy} |`),
    '',
    '### Slab object',
    '',
    'Slabs in `plan.apply`, `plan` and `qc.result.correctedSlab`. Coordinates are DICOM patient coordinates (LPS), millimetres.',
    '',
    '| Field | Type | Required | Notes |',
    '|---|---|---|---|',
    ...fieldRows(asObject(payloadSchema({ schema: slabSchema, direction: 'outbound' })) ?? {}, '', 0, null),
    '',
    GENERATED_END,
  );
  return parts.join('\n');
}

/** The reference for binary image frames: what a frame holds and which attributes the parser needs. */
function imageFrameSection(): string[] {
  return [
    '#### Binary frame: DICOM image',
    '',
    'One DICOM Part 10 file per binary frame: the 128-byte preamble, `DICM`, the file meta information and the data set. ' +
      'Send the images of a series between its `series.started` and `series.complete`. The reply is an `ack` whose ' +
      '`inReplyTo` is the SOP Instance UID, or an `error`. The server files each image under its Series Instance UID, so ' +
      'an image is stored even when its series was not announced, and the series is used once its `series.complete` ' +
      '(localizer) or `slab.acquisition.complete` (slab) arrives.',
    '',
    'Transfer syntaxes: Implicit VR Little Endian (`1.2.840.10008.1.2`), Explicit VR Little Endian ' +
      '(`1.2.840.10008.1.2.1`) and Deflated Explicit VR Little Endian (`1.2.840.10008.1.2.1.99`). Compressed pixel data ' +
      '(JPEG, JPEG-LS, JPEG 2000, RLE) and big-endian files are rejected with `ERR_UNSUPPORTED_TRANSFER_SYNTAX`.',
    '',
    'Attributes the server reads; a missing or invalid required one rejects the image with the code shown:',
    '',
    '| Attribute | Required | Notes |',
    '|---|---|---|',
    '| Transfer Syntax UID (0002,0010) | yes | One of the syntaxes above. `ERR_NOT_DICOM` when missing. |',
    '| SOP Instance UID (0008,0018), SOP Class UID (0008,0016), Study Instance UID (0020,000D), Series Instance UID (0020,000E) | yes | `ERR_MISSING_UID`. |',
    '| Frame of Reference UID (0020,0052) | yes | `ERR_MISSING_GEOMETRY`. |',
    '| Image Position (Patient) (0020,0032) | yes | 3 numbers, LPS millimetres. `ERR_MISSING_GEOMETRY`. |',
    '| Image Orientation (Patient) (0020,0037) | yes | 6 numbers: two orthogonal unit cosines within 0.001. `ERR_MISSING_GEOMETRY` or `ERR_INVALID_ORIENTATION`. |',
    '| Pixel Spacing (0028,0030) | yes | 2 positive numbers, millimetres; never assumed. `ERR_MISSING_PIXEL_SPACING` or `ERR_INVALID_PIXEL_SPACING`. |',
    '| Rows (0028,0010), Columns (0028,0011) | yes | Positive integers. `ERR_MISSING_PIXEL_DATA`. |',
    '| Bits Allocated (0028,0100) | yes | 8, 16 or 32. `ERR_UNSUPPORTED_PIXEL_FORMAT`. |',
    '| Bits Stored (0028,0101), High Bit (0028,0102) | no | Default: all allocated bits. Must be consistent. `ERR_UNSUPPORTED_PIXEL_FORMAT`. |',
    '| Samples per Pixel (0028,0002) | no | Default 1; only 1 (greyscale) is accepted. `ERR_UNSUPPORTED_PIXEL_FORMAT`. |',
    '| Pixel Representation (0028,0103) | no | 0 unsigned (default) or 1 signed. |',
    '| Pixel Data (7FE0,0010) | yes | Native (uncompressed). `ERR_MISSING_PIXEL_DATA`, or `ERR_TRUNCATED` when the file ends early. |',
    '| Rescale Slope (0028,1053), Rescale Intercept (0028,1052) | no | Default 1 and 0. |',
    '| Number of Frames (0028,0008) | no | At most 2048. More than one frame needs Per-frame Functional Groups Sequence (5200,9230) (enhanced MR). `ERR_FRAME_LIMIT` or `ERR_MISSING_GEOMETRY`. |',
    `| Patient Position (0018,5100) | no | When present, one of ${PATIENT_POSITIONS.join(', ')}. \`ERR_INVALID_PATIENT_POSITION\`. |`,
    '| Slice Thickness (0018,0050), Series Number (0020,0011), Instance Number (0020,0013), Series Description (0008,103E), Acquisition Time (0008,0032), In-plane Phase Encoding Direction (0018,1312) | no | Read when present. |',
    '',
    'Patient Name, Patient ID and Patient Birth Date stay inside the image bytes in the journal; no log line or message carries them. ' +
      'The images of one series must share the series UID, frame of reference, orientation, matrix and pixel spacing, and ' +
      'must not repeat a slice position. Otherwise the series is rejected when it is used, with `ERR_MIXED_SERIES`, ' +
      '`ERR_MIXED_FRAME_OF_REFERENCE`, `ERR_MIXED_ORIENTATION`, `ERR_MIXED_GEOMETRY` or `ERR_DUPLICATE_POSITION`.',
    '',
  ];
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
