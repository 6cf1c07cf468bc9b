/**
 * A small stand-in for the co-pilot server on 127.0.0.1: it serves the console bundle, lists
 * one session and speaks the console protocol for a `ScriptedSession`. Every frame the console
 * sends is validated with the shared `consoleInbound` schema. Invalid frames are recorded and
 * get an error reply, as on the real server.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

import type { Subscription } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';

import { consoleInbound, type ConsoleOutbound } from '../../server/transport/protocol.ts';
import { EXAM_ID, SESSION_ID } from './consoleFixtures.ts';
import type { ScriptedSession } from './scriptedSession.ts';

const CONSOLE_DIR = resolve(import.meta.dirname, '../../console-ui');
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface FakeConsoleServer {
  url: string;
  consoleUrl: string;
  /** Frames that failed `consoleInbound` validation, with the validation message. */
  invalidFrames: { text: string; issue: string }[];
  /** Closes every console socket (code 1012) to make consoles reconnect. */
  dropConnections(): void;
  /** While false, WebSocket upgrades get HTTP 503, so consoles stay offline. */
  setAcceptingConnections(accepting: boolean): void;
  openConnections(): number;
  close(): Promise<void>;
}

export async function startFakeConsoleServer(session: ScriptedSession, token: string): Promise<FakeConsoleServer> {
  const invalidFrames: { text: string; issue: string }[] = [];
  const sockets = new Set<WebSocket>();
  let connectionCounter = 0;
  let accepting = true;

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/v1/sessions') {
      const presented = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('token');
      if (presented !== token) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'ERR_UNAUTHORIZED' }));
        return;
      }
      const body = { sessions: [{ sessionId: SESSION_ID, examId: EXAM_ID, state: session.state, updatedAt: new Date().toISOString(), watchable: true }] };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const relative = url.pathname === '/' ? 'index.html' : url.pathname.startsWith('/dist/') ? normalize(url.pathname.slice(1)) : null;
    const contentType = relative === null ? undefined : CONTENT_TYPES[extname(relative)];
    if (relative === null || relative.startsWith('..') || contentType === undefined) {
      response.writeHead(404).end();
      return;
    }
    readFile(join(CONSOLE_DIR, relative)).then(
      (body) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () => response.writeHead(404).end(),
    );
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!accepting) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    if (url.pathname !== '/v1/console' || url.searchParams.get('token') !== token) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      connectionCounter += 1;
      const connectionId = `fake-console-${connectionCounter}`;
      sockets.add(ws);
      const watches: Subscription[] = [];
      const send = (message: ConsoleOutbound) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? '' : data.toString();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          invalidFrames.push({ text, issue: 'not JSON' });
          send({ type: 'error', code: 'ERR_INVALID_JSON', message: 'Frame is not JSON.' });
          return;
        }
        const parsed = consoleInbound.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          invalidFrames.push({ text, issue: `${issue?.path.join('.')}: ${issue?.message}` });
          send({ type: 'error', code: 'ERR_VALIDATION', message: issue?.message ?? 'invalid', field: issue?.path.join('.') });
          return;
        }
        const replies = session.handle(parsed.data, { connectionId, user: 'technologist', receivedAtMs: Date.now() });
        for (const reply of replies) send(reply);
        if (parsed.data.type === 'session.watch') watches.push(session.watch().subscribe(send));
      });
      ws.on('close', () => {
        sockets.delete(ws);
        for (const watch of watches) watch.unsubscribe();
      });
    });
  });

  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    consoleUrl: `${url}/?token=${encodeURIComponent(token)}`,
    invalidFrames,
    dropConnections: () => {
      for (const socket of sockets) socket.close(1012, 'service restart');
    },
    setAcceptingConnections: (next) => {
      accepting = next;
    },
    openConnections: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
