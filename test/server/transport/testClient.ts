/**
 * A `ws` client for tests: connects to a server the test started on loopback, records every
 * JSON message, and waits for the next one matching a predicate.
 */
import WebSocket from 'ws';

export interface ReceivedMessage {
  type: string;
  [key: string]: unknown;
}

export class TestClient {
  readonly received: ReceivedMessage[] = [];
  private readonly waiters: { predicate: (message: ReceivedMessage) => boolean; resolve: (message: ReceivedMessage) => void }[] = [];
  private cursor = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as ReceivedMessage;
      this.received.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('unexpected-response', (_request, response) => {
        reject(Object.assign(new Error(`upgrade rejected with HTTP ${response.statusCode}`), { statusCode: response.statusCode }));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  sendJson(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /**
   * Resolves with the first message after the ones already consumed that matches; rejects
   * after `timeoutMs`.
   */
  next(predicate: (message: ReceivedMessage) => boolean = () => true, timeoutMs = 2000): Promise<ReceivedMessage> {
    for (; this.cursor < this.received.length; this.cursor += 1) {
      const message = this.received[this.cursor];
      if (predicate(message)) {
        this.cursor += 1;
        return Promise.resolve(message);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received.slice(-5))}`));
      }, timeoutMs);
      const waiter = {
        predicate,
        resolve: (message: ReceivedMessage) => {
          clearTimeout(timer);
          this.cursor = this.received.length;
          resolve(message);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves with the next message replying to `messageId`. */
  replyTo(messageId: string, timeoutMs?: number): Promise<ReceivedMessage> {
    return this.next((message) => message.inReplyTo === messageId, timeoutMs);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}
