import WebSocket from 'ws';

/**
 * Closes a simulator WebSocket with a normal closure and resolves once it has closed. A peer
 * that does not complete the close handshake within one second is terminated.
 */
export async function closeSocket(socket: WebSocket | null, reason: string): Promise<void> {
  if (socket === null || socket.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.close(1000, reason);
    setTimeout(() => {
      socket.terminate();
      resolve();
    }, 1000).unref();
  });
}
