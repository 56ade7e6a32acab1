/**
 * Odoo's database service over XML-RPC (/xmlrpc/2/db), for tests that need a second database
 * (e.g. one without the addon). Uses the master password (ODOO_MASTER_PASSWORD, default 'admin',
 * Odoo's default admin_passwd).
 */
function xmlValue(v: string | boolean): string {
  return typeof v === 'boolean' ? `<value><boolean>${v ? 1 : 0}</boolean></value>` : `<value><string>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</string></value>`;
}

async function dbCall(url: string, method: string, params: Array<string | boolean>): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param>${xmlValue(p)}</param>`).join('')}</params></methodCall>`;
  const res = await fetch(new URL('/xmlrpc/2/db', url), { method: 'POST', headers: { 'content-type': 'text/xml' }, body, signal: AbortSignal.timeout(300_000) });
  const text = await res.text();
  if (!res.ok || text.includes('<fault>')) throw new Error(`db.${method} failed: ${text.slice(0, 500)}`);
  return text;
}

const master = (): string => process.env.ODOO_MASTER_PASSWORD ?? 'admin';

export async function createDatabase(url: string, name: string): Promise<void> {
  await dbCall(url, 'create_database', [master(), name, false, 'en_US', 'admin']);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await dbCall(url, 'drop', [master(), name]).catch(() => undefined);
}
