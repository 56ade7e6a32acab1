import net from 'node:net';

/**
 * A TCP proxy in front of a server (Odoo) that a test can cut and restore, to simulate the
 * server going away: `cut()` stops accepting (connections are refused) and destroys every open
 * connection; `restore()` listens again on the same port.
 */
export interface TcpProxy { port: number; url: string; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void>; isCut: () => boolean }

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) { client.destroy(); return; }
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client); sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end); upstream.on('error', end);
    client.on('close', end); upstream.on('close', end);
    client.pipe(upstream); upstream.pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (!server.listening) { resolve(); return; }
    server.close(() => resolve());
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    isCut: () => cut,
    cut: async () => { cut = true; await close(); },
    restore: async () => { cut = false; if (!server.listening) await listen(port); },
    close,
  };
}
