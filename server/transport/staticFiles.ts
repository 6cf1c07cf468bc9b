/**
 * Serves the console bundle: `index.html` at `/` and the files under `dist/` at `/dist/…`.
 * Paths that leave the bundle folder, hidden files and unknown extensions are not served.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(path: string): string | null {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? null;
}

/**
 * Maps a request path to a file inside `consoleDir`, or returns null when the path is not
 * part of the bundle. `consoleDir` holds `index.html` and the `dist/` folder.
 */
export function resolveConsolePath(consoleDir: string, pathname: string): string | null {
  if (pathname === '/' || pathname === '/index.html') return join(consoleDir, 'index.html');
  if (!pathname.startsWith('/dist/')) return null;

  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice('/dist/'.length));
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split('/').some((part) => part.startsWith('.'))) return null;

  const distDir = resolve(consoleDir, 'dist');
  const filePath = resolve(distDir, normalize(decoded));
  if (!filePath.startsWith(distDir + sep)) return null;
  if (contentTypeFor(filePath) === null) return null;
  return filePath;
}

/** The bundle that `console-ui/index.html` loads; without it the page is blank. */
export const CONSOLE_BUNDLE_PATH = 'dist/main.js';

/** Resolves true when `<consoleDir>/dist/main.js`, the console bundle, is a file. */
export async function isConsoleBuilt(consoleDir: string): Promise<boolean> {
  try {
    return (await stat(join(consoleDir, CONSOLE_BUNDLE_PATH))).isFile();
  } catch {
    return false;
  }
}

/** Writes the file with its content type; resolves false when it does not exist. */
export async function sendStaticFile(response: ServerResponse, filePath: string, headOnly: boolean): Promise<boolean> {
  try {
    const info = await stat(filePath);
    if (!info.isFile()) return false;
  } catch {
    return false;
  }
  const body = await readFile(filePath);
  const isIndex = filePath.endsWith('index.html');
  response.writeHead(200, {
    'content-type': contentTypeFor(filePath) ?? 'application/octet-stream',
    'content-length': body.byteLength,
    // The page URL carries the token, so the index must not be cached or leak through Referer.
    'cache-control': isIndex ? 'no-store' : 'no-cache',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  response.end(headOnly ? undefined : body);
  return true;
}
