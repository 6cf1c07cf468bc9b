/**
 * Test entry point: runs every `*.test.ts` under test/ with uvu, in one process.
 * `npm test -- <pattern>` runs only the files whose path matches the pattern.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { run } from 'uvu/run';

process.env.NODE_ENV = 'test';

function findTests(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const root = resolve(import.meta.dirname);
const pattern = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = findTests(root, []).filter((file) => pattern === null || pattern.test(relative(root, file)));
if (files.length === 0) {
  process.stderr.write(`No test files match ${pattern ?? '*.test.ts'} under test/.\n`);
  process.exit(1);
}
await run(files.map((file) => ({ name: relative(root, file), file })), { bail: false });
