/**
 * Reads `metadata_props` from an ONNX file. onnxruntime-node 1.31 exposes input and output
 * metadata but not the model's custom metadata, so this walks the top level of the ModelProto
 * protobuf message itself. Pure: bytes in, entries out.
 */

/** Field number of `repeated StringStringEntryProto metadata_props` in `onnx.ModelProto`. */
const MODEL_METADATA_PROPS_FIELD = 14;
/** Field number of `GraphProto graph` in `onnx.ModelProto`. */
const MODEL_GRAPH_FIELD = 7;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Bytes that are not a well-formed protobuf message. */
export class ProtobufFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufFormatError';
  }
}

interface ProtobufField {
  fieldNumber: number;
  wireType: number;
  /** Payload of a length-delimited field; empty for the other wire types. */
  bytes: Uint8Array;
}

function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let position = offset;
  for (let count = 0; count < 10; count += 1) {
    if (position >= bytes.length) throw new ProtobufFormatError(`varint runs past the end at byte ${offset}`);
    const byte = bytes[position];
    position += 1;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return { value, next: position };
    scale *= 128;
  }
  throw new ProtobufFormatError(`varint longer than 10 bytes at byte ${offset}`);
}

/** Splits one protobuf message into its top-level fields, in file order. */
export function readProtobufFields(bytes: Uint8Array): ProtobufField[] {
  const fields: ProtobufField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    const fieldNumber = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (fieldNumber === 0) throw new ProtobufFormatError(`field number 0 at byte ${offset}`);
    offset = key.next;

    if (wireType === WIRE_VARINT) {
      offset = readVarint(bytes, offset).next;
      fields.push({ fieldNumber, wireType, bytes: new Uint8Array(0) });
    } else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      offset += wireType === WIRE_FIXED64 ? 8 : 4;
      if (offset > bytes.length) throw new ProtobufFormatError(`fixed-width field ${fieldNumber} runs past the end`);
      fields.push({ fieldNumber, wireType, bytes: new Uint8Array(0) });
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(bytes, offset);
      const end = length.next + length.value;
      if (end > bytes.length) {
        throw new ProtobufFormatError(`field ${fieldNumber} declares ${length.value} bytes but only ${bytes.length - length.next} remain`);
      }
      fields.push({ fieldNumber, wireType, bytes: bytes.subarray(length.next, end) });
      offset = end;
    } else {
      throw new ProtobufFormatError(`unsupported wire type ${wireType} for field ${fieldNumber} at byte ${offset}`);
    }
  }
  return fields;
}

/**
 * Returns the `metadata_props` entries of a serialized ONNX ModelProto as a key-value map.
 * Throws `ProtobufFormatError` when the bytes are not a protobuf message or hold no graph,
 * which is what a truncated or unrelated file looks like.
 */
export function readOnnxMetadataProps(modelBytes: Uint8Array): Map<string, string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const fields = readProtobufFields(modelBytes);
  if (!fields.some((field) => field.fieldNumber === MODEL_GRAPH_FIELD && field.wireType === WIRE_LENGTH_DELIMITED)) {
    throw new ProtobufFormatError('no graph field (ModelProto field 7) found');
  }

  const entries = new Map<string, string>();
  for (const field of fields) {
    if (field.fieldNumber !== MODEL_METADATA_PROPS_FIELD || field.wireType !== WIRE_LENGTH_DELIMITED) continue;
    let key = '';
    let value = '';
    for (const part of readProtobufFields(field.bytes)) {
      if (part.wireType !== WIRE_LENGTH_DELIMITED) continue;
      if (part.fieldNumber === 1) key = decoder.decode(part.bytes);
      if (part.fieldNumber === 2) value = decoder.decode(part.bytes);
    }
    entries.set(key, value);
  }
  return entries;
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function encodeLengthDelimited(fieldNumber: number, payload: Uint8Array): Uint8Array {
  const header = [...encodeVarint(fieldNumber * 8 + WIRE_LENGTH_DELIMITED), ...encodeVarint(payload.length)];
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

/**
 * Returns a copy of a serialized ONNX model whose `metadata_props` are replaced by `entries`.
 * Protobuf accepts fields in any order, so the new entries are appended after the kept fields.
 */
export function replaceOnnxMetadataProps(modelBytes: Uint8Array, entries: Record<string, string>): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < modelBytes.length) {
    const start = offset;
    const key = readVarint(modelBytes, offset);
    const fieldNumber = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    offset = key.next;
    if (wireType === WIRE_VARINT) offset = readVarint(modelBytes, offset).next;
    else if (wireType === WIRE_FIXED64) offset += 8;
    else if (wireType === WIRE_FIXED32) offset += 4;
    else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(modelBytes, offset);
      offset = length.next + length.value;
    } else throw new ProtobufFormatError(`unsupported wire type ${wireType} for field ${fieldNumber}`);
    if (fieldNumber !== MODEL_METADATA_PROPS_FIELD) parts.push(modelBytes.subarray(start, offset));
  }
  for (const [key, value] of Object.entries(entries)) {
    const entry = [encodeLengthDelimited(1, encoder.encode(key)), encodeLengthDelimited(2, encoder.encode(value))];
    const payload = new Uint8Array(entry[0].length + entry[1].length);
    payload.set(entry[0], 0);
    payload.set(entry[1], entry[0].length);
    parts.push(encodeLengthDelimited(MODEL_METADATA_PROPS_FIELD, payload));
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let position = 0;
  for (const part of parts) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}
