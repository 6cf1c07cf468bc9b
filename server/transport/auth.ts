/**
 * Access token and Origin checks for every HTTP request and WebSocket upgrade.
 *
 * One shared token protects the server. Clients send it as `Authorization: Bearer <token>` or,
 * where a browser cannot set headers on a WebSocket, as the `token` query parameter.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';

/** Name of the token file inside the data directory. */
export const TOKEN_FILE_NAME = 'access-token';

const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 256;
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export class TokenError extends Error {
  constructor(
    readonly code: 'ERR_INVALID_TOKEN' | 'ERR_TOKEN_FILE',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Where the token in use came from; `generated` means it was created and stored just now. */
export type TokenSource = 'option' | 'environment' | 'file' | 'generated';

/** Throws `TokenError` when `token` is too short, too long or contains spaces or control characters. */
export function validateToken(token: string, origin: string): void {
  if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError(
      'ERR_INVALID_TOKEN',
      `Invalid token from ${origin}: it has ${token.length} characters. ` +
        `Use ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} printable ASCII characters, for example the output of \`openssl rand -hex 32\`.`,
    );
  }
  if (!TOKEN_PATTERN.test(token)) {
    throw new TokenError(
      'ERR_INVALID_TOKEN',
      `Invalid token from ${origin}: it contains spaces, control or non-ASCII characters. Use printable ASCII characters only.`,
    );
  }
}

/**
 * Picks the access token: the explicit option first, then `LUMBAR_COPILOT_TOKEN`, then the
 * token file in `dataDir`. When none exists, generates a 256-bit token and stores it in that
 * file with mode 0600, so later starts reuse it.
 */
export function resolveToken(options: { token?: string; environment?: NodeJS.ProcessEnv; dataDir: string }): {
  token: string;
  source: TokenSource;
  tokenPath: string;
} {
  const tokenPath = join(options.dataDir, TOKEN_FILE_NAME);
  if (options.token !== undefined) {
    validateToken(options.token, '--token');
    return { token: options.token, source: 'option', tokenPath };
  }

  const fromEnvironment = options.environment?.LUMBAR_COPILOT_TOKEN;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    validateToken(fromEnvironment, 'LUMBAR_COPILOT_TOKEN');
    return { token: fromEnvironment, source: 'environment', tokenPath };
  }

  const stored = readTokenFile(tokenPath);
  if (stored !== null) return { token: stored, source: 'file', tokenPath };

  const generated = randomBytes(32).toString('base64url');
  try {
    mkdirSync(options.dataDir, { recursive: true });
    // `wx` fails if another process created the file in the meantime, instead of overwriting its token.
    writeFileSync(tokenPath, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(tokenPath, 0o600);
  } catch (error) {
    throw new TokenError(
      'ERR_TOKEN_FILE',
      `Failed to store the generated token in ${tokenPath}: ${error instanceof Error ? error.message : String(error)}. ` +
        'Make the data directory writable, or pass --token or LUMBAR_COPILOT_TOKEN.',
    );
  }
  return { token: generated, source: 'generated', tokenPath };
}

function readTokenFile(tokenPath: string): string | null {
  let text: string;
  try {
    text = readFileSync(tokenPath, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return null;
    throw new TokenError(
      'ERR_TOKEN_FILE',
      `Failed to read the token file ${tokenPath}: ${error instanceof Error ? error.message : String(error)}. Fix its permissions or delete it to generate a new token.`,
    );
  }
  const mode = statSync(tokenPath).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new TokenError(
      'ERR_TOKEN_FILE',
      `Token file ${tokenPath} is readable by other users (mode ${mode.toString(8)}). Run \`chmod 600 ${tokenPath}\`.`,
    );
  }
  const token = text.trim();
  validateToken(token, tokenPath);
  return token;
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first,
 * so neither the content nor the length of the expected token leaks through timing.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  const presentedDigest = createHash('sha256').update(presented).digest();
  const expectedDigest = createHash('sha256').update(expected).digest();
  return timingSafeEqual(presentedDigest, expectedDigest);
}

/** Reads the token from `Authorization: Bearer …` or, when that header is absent, from `?token=`. */
export function presentedToken(request: IncomingMessage, url: URL): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? null;
  }
  return url.searchParams.get('token');
}

/** Returns true when the request carries the expected token. */
export function isAuthorized(request: IncomingMessage, url: URL, expectedToken: string): boolean {
  const token = presentedToken(request, url);
  return token !== null && tokensMatch(token, expectedToken);
}

/**
 * Decides whether a request's Origin may use the server. Browsers always send Origin on a
 * WebSocket upgrade, so a missing Origin means a non-browser client, which still needs the token.
 * Allowed: no Origin, the server's own origin (from the Host header), and `allowedOrigins`.
 */
export function isOriginAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  const host = request.headers.host;
  if (host !== undefined && (normalized === `http://${host.toLowerCase()}` || normalized === `https://${host.toLowerCase()}`)) {
    return true;
  }
  return allowedOrigins.some((allowed) => normalizeOrigin(allowed) === normalized);
}

/** Returns `scheme://host[:port]` in lower case, or null for a value that is not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.origin.toLowerCase();
}
