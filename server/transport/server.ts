/**
 * The HTTP and WebSocket server: the console bundle, `GET /healthz`, `GET /v1/sessions`, and
 * the WebSocket endpoints `/v1/scanner` and `/v1/console`, all on one `node:http` server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';

import { WebSocketServer, type WebSocket } from 'ws';

import { logger as rootLogger } from '../log.ts';
import type { SessionListFilter } from '../session/hub.ts';
import { isAuthorized, isOriginAllowed } from './auth.ts';
import type { Connection, ConnectionLimits, EndpointName } from './connection.ts';
import { ConsoleConnection } from './consoleConnection.ts';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.ts';
import { PROTOCOL_VERSION } from './protocol.ts';
import { ExamRoutes, ScannerConnection } from './scannerConnection.ts';
import { logSocketError } from './socketErrors.ts';
import { CONSOLE_BUNDLE_PATH, isConsoleBuilt, resolveConsolePath, sendStaticFile } from './staticFiles.ts';

export type { ServerOptions } from './options.ts';

export interface RunningServer {
  /** Base URL, such as `http://127.0.0.1:8080`. */
  url: string;
  /** URL of the console page with the token as a query parameter, for a browser. */
  consoleUrl: string;
  token: string;
  /** Closes every connection (code 1001) and stops listening. The hub stays open; its owner closes it. */
  close(): Promise<void>;
}

const DEFAULT_CONSOLE_DIR = resolve(import.meta.dirname, '../../console-ui');

/** A frame this many times over the message limit closes the connection (code 1009) instead of being read to the end. */
const HARD_PAYLOAD_FACTOR = 2;

const USER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** Starts listening and resolves once the port is bound. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = resolveServerOptions(options, { consoleDir: DEFAULT_CONSOLE_DIR, logger: rootLogger });
  const log = config.logger.child({ component: 'transport' });
  const startedAtMs = Date.now();
  const routes = new ExamRoutes();
  const connections = new Set<Connection>();

  const scannerWss = new WebSocketServer({ noServer: true, maxPayload: config.maxScannerMessageBytes * HARD_PAYLOAD_FACTOR });
  const consoleWss = new WebSocketServer({ noServer: true, maxPayload: config.maxConsoleMessageBytes * HARD_PAYLOAD_FACTOR });

  const server = createServer((request, response) => {
    handleHttp(request, response, config, startedAtMs).catch((error: unknown) => {
      log.error({ err: error, path: pathOf(request) }, 'HTTP request failed');
      if (!response.headersSent) sendJsonResponse(response, 500, { code: 'ERR_INTERNAL', message: 'The server failed to handle the request.' });
      else response.destroy();
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The listener stays for the socket's life, so it also receives the reset of an open WebSocket.
    const socketIds = { path: pathOf(request), remoteAddress: request.socket.remoteAddress };
    socket.on('error', (error) => logSocketError(log, error, socketIds, 'upgrade socket error'));
    const endpoint = checkUpgrade(request, config, connections);
    if ('status' in endpoint) {
      log.warn({ ...socketIds, status: endpoint.status, reason: endpoint.code }, 'rejected WebSocket upgrade');
      rejectUpgrade(socket, endpoint.status, endpoint.code, endpoint.message);
      return;
    }
    const wss = endpoint.name === 'scanner' ? scannerWss : consoleWss;
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = openConnection(ws, endpoint.name, endpoint.user, request.socket.remoteAddress ?? 'unknown', config, routes, log);
      connections.add(connection);
      ws.on('close', () => connections.delete(connection));
    });
  });

  const keepalive = setInterval(() => {
    for (const connection of connections) {
      if (!connection.isAlive) {
        connection.log.warn('no pong since the last ping: closing dead connection');
        connection.socket.terminate();
        continue;
      }
      connection.isAlive = false;
      connection.socket.ping();
    }
  }, config.keepaliveIntervalMs);
  keepalive.unref();

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(config.port, config.host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'HTTP server error'));

  const url = `http://${formatHost(config.host)}:${boundPort(server)}`;
  const consoleUrl = `${url}/?token=${encodeURIComponent(config.token)}`;
  log.info({ url, maxScannerMessageBytes: config.maxScannerMessageBytes, maxConsoleMessageBytes: config.maxConsoleMessageBytes }, 'server started');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(keepalive);
      for (const connection of connections) connection.socket.close(1001, 'server shutting down');
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      // Wait briefly for peers to complete the close handshake, then terminate the rest.
      const forceTimer = setTimeout(() => {
        for (const connection of connections) connection.socket.terminate();
        server.closeAllConnections();
      }, 1000);
      forceTimer.unref();
      await closed;
      clearTimeout(forceTimer);
      scannerWss.close();
      consoleWss.close();
      log.info({ uptimeS: Math.round((Date.now() - startedAtMs) / 1000) }, 'server stopped');
    })();
    return closing;
  };

  return { url, consoleUrl, token: config.token, close };
}

function openConnection(
  ws: WebSocket,
  endpoint: EndpointName,
  user: string,
  remoteAddress: string,
  config: ResolvedServerOptions,
  routes: ExamRoutes,
  log: ResolvedServerOptions['logger'],
): Connection {
  const limits: ConnectionLimits = {
    maxMessageBytes: endpoint === 'scanner' ? config.maxScannerMessageBytes : config.maxConsoleMessageBytes,
    rateLimit: endpoint === 'scanner' ? config.scannerRateLimit : config.consoleRateLimit,
    maxDroppedMessagesInRow: config.maxDroppedMessagesInRow,
    maxPendingMessages: config.maxPendingMessages,
  };
  const params = { endpoint, socket: ws, user, remoteAddress, limits, logger: log };
  if (endpoint === 'scanner') return new ScannerConnection(params, config.hub, routes);
  return new ConsoleConnection(params, config.hub, {
    maxBufferedBytes: config.maxConsoleBufferedBytes,
    maxHeldMessages: config.maxConsoleHeldMessages,
    maxWatchedSessions: config.maxWatchedSessionsPerConnection,
  });
}

type UpgradeDecision = { name: EndpointName; user: string } | { status: number; code: string; message: string };

/** Checks path, connection limit, Origin, token and user name of a WebSocket upgrade, in that order. */
function checkUpgrade(request: IncomingMessage, config: ResolvedServerOptions, connections: Set<Connection>): UpgradeDecision {
  const url = requestUrl(request);
  const match = /^\/v(\d+)\/(scanner|console)$/.exec(url.pathname);
  if (match === null) {
    return { status: 404, code: 'ERR_NOT_FOUND', message: `No WebSocket endpoint at ${url.pathname}. Use /v${PROTOCOL_VERSION}/scanner or /v${PROTOCOL_VERSION}/console.` };
  }
  const name = match[2] as EndpointName;
  if (Number(match[1]) !== PROTOCOL_VERSION) {
    return {
      status: 404,
      code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
      message: `Protocol version ${match[1]} is not supported: this server speaks version ${PROTOCOL_VERSION}. Connect to /v${PROTOCOL_VERSION}/${name}.`,
    };
  }

  const open = [...connections].filter((connection) => connection.endpoint === name).length;
  const maxOpen = name === 'scanner' ? config.maxScannerConnections : config.maxConsoleConnections;
  if (open >= maxOpen) {
    return { status: 503, code: 'ERR_TOO_MANY_CONNECTIONS', message: `The ${name} endpoint already has ${open} connections, the limit. Close one and retry.` };
  }

  if (!isOriginAllowed(request, config.allowedOrigins)) {
    return {
      status: 403,
      code: 'ERR_ORIGIN_NOT_ALLOWED',
      message: `Origin ${request.headers.origin ?? ''} may not connect. Open the console from this server, or start the server with --allow-origin ${request.headers.origin ?? ''}.`,
    };
  }

  if (!isAuthorized(request, url, config.token)) {
    return {
      status: 401,
      code: 'ERR_UNAUTHORIZED',
      message: 'Missing or invalid access token. Send "Authorization: Bearer <token>" or the "token" query parameter; the server prints the token at its first start.',
    };
  }

  const user = url.searchParams.get('user') ?? (name === 'scanner' ? 'scanner' : 'technologist');
  if (!USER_PATTERN.test(user)) {
    return { status: 400, code: 'ERR_INVALID_USER', message: 'Invalid "user" query parameter: use 1 to 64 letters, digits or the characters . _ @ -.' };
  }
  return { name, user };
}

async function handleHttp(request: IncomingMessage, response: ServerResponse, config: ResolvedServerOptions, startedAtMs: number): Promise<void> {
  const url = requestUrl(request);
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    sendJsonResponse(response, 405, { code: 'ERR_METHOD_NOT_ALLOWED', message: `Method ${method} is not allowed. Use GET.` });
    return;
  }

  if (url.pathname === '/healthz') {
    sendJsonResponse(response, 200, { status: 'ok', protocolVersion: PROTOCOL_VERSION, uptimeS: Math.round((Date.now() - startedAtMs) / 1000) });
    return;
  }

  if (url.pathname === '/v1/sessions') {
    if (!isAuthorized(request, url, config.token)) {
      response.setHeader('www-authenticate', 'Bearer');
      sendJsonResponse(response, 401, { code: 'ERR_UNAUTHORIZED', message: 'Missing or invalid access token. Send "Authorization: Bearer <token>".' });
      return;
    }
    const filter = readSessionListFilter(url);
    if ('code' in filter) {
      sendJsonResponse(response, 400, filter);
      return;
    }
    sendJsonResponse(response, 200, { sessions: config.hub.listSessions(filter) });
    return;
  }

  if (url.pathname === '/v1/scanner' || url.pathname === '/v1/console') {
    response.setHeader('upgrade', 'websocket');
    sendJsonResponse(response, 426, { code: 'ERR_UPGRADE_REQUIRED', message: `${url.pathname} is a WebSocket endpoint. Connect with a WebSocket client.` });
    return;
  }

  const isIndex = url.pathname === '/' || url.pathname === '/index.html';
  // index.html is in the repository, but the page is blank without the bundle it loads.
  if (isIndex && !(await isConsoleBuilt(config.consoleDir))) {
    sendJsonResponse(response, 503, {
      code: 'ERR_CONSOLE_NOT_BUILT',
      message: `The console bundle ${CONSOLE_BUNDLE_PATH} is missing from ${config.consoleDir}. Run \`npm run build\`, then reload the page.`,
    });
    return;
  }
  const filePath = resolveConsolePath(config.consoleDir, url.pathname);
  if (filePath !== null && (await sendStaticFile(response, filePath, method === 'HEAD'))) return;
  if (isIndex) {
    sendJsonResponse(response, 503, {
      code: 'ERR_CONSOLE_NOT_BUILT',
      message: `The console page index.html is missing from ${config.consoleDir}. Restore it from the repository and run \`npm run build\`.`,
    });
    return;
  }
  sendJsonResponse(response, 404, { code: 'ERR_NOT_FOUND', message: `Nothing at ${url.pathname}.` });
}

const SESSION_LIST_STATUSES = ['open', 'ended', 'all'] as const;

/** Largest `limit` accepted by `GET /v1/sessions`. */
const MAX_SESSION_LIST_LIMIT = 1000;

/** Reads `status` and `limit` of `GET /v1/sessions`; returns an error body when either is invalid. */
function readSessionListFilter(url: URL): SessionListFilter | { code: string; message: string } {
  const filter: SessionListFilter = {};
  const status = url.searchParams.get('status');
  if (status !== null) {
    const known = SESSION_LIST_STATUSES.find((candidate) => candidate === status);
    if (known === undefined) {
      return { code: 'ERR_INVALID_QUERY', message: `Invalid status "${status}" for GET /v1/sessions. Use open, ended or all.` };
    }
    filter.status = known;
  }
  const limit = url.searchParams.get('limit');
  if (limit !== null) {
    const value = Number(limit);
    if (!/^\d+$/.test(limit) || value < 1 || value > MAX_SESSION_LIST_LIMIT) {
      return {
        code: 'ERR_INVALID_QUERY',
        message: `Invalid limit "${limit}" for GET /v1/sessions. Use a whole number from 1 to ${MAX_SESSION_LIST_LIMIT}.`,
      };
    }
    filter.limit = value;
  }
  return filter;
}

function sendJsonResponse(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
      `\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

/** Parses the request target; the query is read here and never logged, because it may carry the token. */
function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://localhost');
}

function pathOf(request: IncomingMessage): string {
  return requestUrl(request).pathname;
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The server is not listening on a TCP port.');
  return address.port;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
