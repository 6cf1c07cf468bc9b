/**
 * Planning protocols: JSON files in `server/planning/protocols/`, loaded by name or by path and
 * validated before use.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

import type { PlanningProtocol } from './types.ts';
import { PlanningError } from './errors.ts';

export const DEFAULT_PROTOCOL_NAME = 'lumbar-routine';

const PROTOCOL_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), 'protocols');

const DISC_LEVEL = /^(T12\/L1|L[1-5]\/L[2-6]|L5\/S1|L6\/S1)$/;
const VERTEBRA_LEVEL = /^(T12|L[1-6]|S1)$/;

const sagittalSchema = z.object({
  enabled: z.boolean(),
  /** Minimum slice count; more slices are added when the vertebrae and foramina need them. */
  sliceCount: z.number().int().min(1).max(64),
  sliceThicknessMm: z.number().min(0.5).max(20),
  gapPercent: z.number().min(0).max(200),
  fovMm: z.number().min(50).max(500),
  matrix: z.number().int().min(64).max(1024),
});

const protocolSchema = z
  .object({
    name: z.string().min(1).max(100),
    mode: z.enum(['per-disc', 'contiguous-stack']),
    stackRange: z.object({ from: z.string().regex(VERTEBRA_LEVEL), to: z.string().regex(VERTEBRA_LEVEL) }).optional(),
    levels: z.array(z.string().regex(DISC_LEVEL, 'a disc level such as L4/L5')).min(1).max(8),
    sliceCount: z.number().int().min(1).max(64),
    sliceThicknessMm: z.number().min(0.5).max(20),
    gapPercent: z.number().min(0).max(200),
    fovMm: z.number().min(50).max(500),
    matrix: z.number().int().min(64).max(1024),
    sagittal: sagittalSchema,
    saturationBand: z.object({ enabled: z.boolean(), thicknessMm: z.number().min(5).max(150) }),
  })
  .strict()
  .refine((protocol) => protocol.mode !== 'contiguous-stack' || protocol.stackRange !== undefined, {
    message: 'a contiguous-stack protocol needs stackRange, such as { "from": "L3", "to": "S1" }',
    path: ['stackRange'],
  });

/**
 * Loads and validates a protocol. `nameOrPath` is a protocol name (a file in
 * `server/planning/protocols/`) or a path to a JSON file (it contains a slash or ends in `.json`).
 * Throws ERR_PROTOCOL_NOT_FOUND or ERR_INVALID_PROTOCOL.
 */
export function loadProtocol(nameOrPath: string = DEFAULT_PROTOCOL_NAME): PlanningProtocol {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json');
  const path = isPath ? resolve(nameOrPath) : join(PROTOCOL_DIRECTORY, `${nameOrPath}.json`);
  if (!isPath && !/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) {
    throw new PlanningError(
      'ERR_PROTOCOL_NOT_FOUND',
      `Protocol name "${nameOrPath}" is invalid: names use lowercase letters, digits and hyphens. Known protocols: ${listProtocols().join(', ')}.`,
    );
  }
  if (!existsSync(path)) {
    throw new PlanningError(
      'ERR_PROTOCOL_NOT_FOUND',
      isPath
        ? `Protocol file ${path} not found. Pass an existing JSON file or one of: ${listProtocols().join(', ')}.`
        : `Protocol "${nameOrPath}" not found. Known protocols: ${listProtocols().join(', ')}.`,
    );
  }

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PlanningError('ERR_INVALID_PROTOCOL', `Protocol file ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix the file.`);
  }
  return parseProtocol(raw, path);
}

/** Validates a protocol object; `source` names it in error messages. */
export function parseProtocol(raw: unknown, source = 'protocol'): PlanningProtocol {
  const parsed = protocolSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new PlanningError('ERR_INVALID_PROTOCOL', `Protocol ${source} is invalid: ${problems}. Fix these fields.`);
  }
  return parsed.data;
}

/** Names of the protocols shipped in `server/planning/protocols/`. */
export function listProtocols(): string[] {
  return readdirSync(PROTOCOL_DIRECTORY)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}
