/**
 * The part of dcmjs (0.51) the co-pilot uses, with types. dcmjs ships no type declarations,
 * so it is loaded through `createRequire` and described here instead of with an ambient
 * `declare module`, which would clash with other modules that describe it differently.
 */
import { createRequire } from 'node:module';

/** One element of a dcmjs dataset dictionary keyed by tag ("00280010"). */
export interface DcmjsElement {
  vr: string;
  Value?: unknown[];
}

export interface DcmjsDicomDict {
  meta: Record<string, DcmjsElement>;
  dict: Record<string, DcmjsElement>;
  write(options?: Record<string, unknown>): ArrayBuffer;
}

export interface DcmjsData {
  DicomMessage: {
    readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null }): DcmjsDicomDict;
  };
  DicomMetaDictionary: {
    naturalizeDataset(dict: Record<string, DcmjsElement>): Record<string, unknown>;
    denaturalizeDataset(dataset: Record<string, unknown>): Record<string, DcmjsElement>;
  };
  DicomDict: new (meta: Record<string, DcmjsElement>) => DcmjsDicomDict;
}

const require = createRequire(import.meta.url);
const dcmjs: { data: DcmjsData } = require('dcmjs');

export const dcmjsData: DcmjsData = dcmjs.data;
