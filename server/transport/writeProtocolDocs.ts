/**
 * Regenerates docs/asyncapi.yaml and the message reference in docs/protocol.md from the zod
 * schemas. With `--check`, writes nothing and exits with 1 when either file is out of date.
 *
 *   node --import tsx server/transport/writeProtocolDocs.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { renderAsyncApiYaml } from './asyncApiDocument.ts';
import { withMessageReference } from './protocolDocs.ts';

export const ASYNCAPI_PATH = resolve(import.meta.dirname, '../../docs/asyncapi.yaml');
export const PROTOCOL_DOC_PATH = resolve(import.meta.dirname, '../../docs/protocol.md');

/** Returns the expected content of each generated file. */
export function expectedProtocolDocs(): { path: string; text: string }[] {
  return [
    { path: ASYNCAPI_PATH, text: renderAsyncApiYaml() },
    { path: PROTOCOL_DOC_PATH, text: withMessageReference(readFileSync(PROTOCOL_DOC_PATH, 'utf8')) },
  ];
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const { path, text } of expectedProtocolDocs()) {
    if (readOrEmpty(path) === text) continue;
    if (check) {
      process.stderr.write(`${path} is out of date. Run \`node --import tsx server/transport/writeProtocolDocs.ts\`.\n`);
      stale += 1;
    } else {
      writeFileSync(path, text);
      process.stdout.write(`Wrote ${path}\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
