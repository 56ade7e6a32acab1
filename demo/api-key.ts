/**
 * An API key for a user, made the way a user makes one in Odoo (Preferences > Account Security
 * > New API Key): a web session as that user, the key wizard, and the identity check with the
 * user's password when Odoo asks for it. JSON-2 (Odoo 19+) takes API keys only; on 19 only
 * internal users may hold one.
 */
export async function makeUserApiKey(url: string, db: string, login: string, password: string, name: string): Promise<string> {
  const auth = await fetch(new URL('/web/session/authenticate', url), {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(60_000),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { db, login, password } }),
  });
  const cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0]!;
  const authBody = (await auth.json()) as { error?: unknown };
  if (authBody.error || !cookie.startsWith('session_id=')) throw new Error(`cannot open a web session as ${login}: ${JSON.stringify(authBody.error)}`);
  const callKw = async <T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(new URL(`/web/dataset/call_kw/${model}/${method}`, url), {
      method: 'POST', headers: { 'content-type': 'application/json', cookie }, signal: AbortSignal.timeout(60_000),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { model, method, args, kwargs } }),
    });
    const body = (await res.json()) as { result?: T; error?: { data?: { message?: string } } };
    if (body.error) throw new Error(`${model}.${method} as ${login}: ${body.error.data?.message ?? JSON.stringify(body.error)}`);
    return body.result as T;
  };
  const created = await callKw<number | number[]>('res.users.apikeys.description', 'create', [{ name, duration: '1' }]);
  const wizardId = Array.isArray(created) ? created[0]! : created;
  let action = await callKw<{ res_model?: string; res_id?: number; context?: { default_key?: string } }>('res.users.apikeys.description', 'make_key', [[wizardId]]);
  if (action.res_model === 'res.users.identitycheck') {
    action = await callKw('res.users.identitycheck', 'run_check', [[action.res_id]], { context: { password } });
  }
  const key = action.context?.default_key;
  if (!key) throw new Error(`no API key made for ${login}: ${JSON.stringify(action)}`);
  return key;
}
