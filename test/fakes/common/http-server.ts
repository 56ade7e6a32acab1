import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 that can be stopped (connection refused, open sockets destroyed)
 * and started again on the same port: the basis of the "down" fault.
 */
export class ManagedServer {
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly handler: http.RequestListener,
    readonly host = '127.0.0.1',
  ) {}

  get listening(): boolean {
    return this.server !== null;
  }

  async listen(port = this.port): Promise<number> {
    if (this.server) return this.port;
    const server = http.createServer(this.handler);
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.port;
  }

  /** Stops listening and destroys every open socket (pending requests see ECONNRESET). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }
}
