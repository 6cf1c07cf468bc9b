// Bundles the console's Lit components into console-ui/dist for the server to serve.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entry = new URL('./src/main.ts', import.meta.url).pathname;
if (existsSync(entry)) {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    outdir: new URL('./dist', import.meta.url).pathname,
    logLevel: 'warning',
  });
}
