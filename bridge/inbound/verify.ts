import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * Webhook signature checks, each over the RAW request bytes (never re-serialised JSON), with
 * the timestamp checked against the sidecar's clock (both directions) before the signature.
 *
 *   shipbob      Standard Webhooks: webhook-id, webhook-timestamp (s), webhook-signature
 *                ("v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", space-separated list)
 *   hubspot      v3: X-HubSpot-Signature-v3 = base64(HMAC-SHA256(app secret,
 *                method + full URI + body + X-HubSpot-Request-Timestamp (ms)))
 *   generic_wms  X-WMS-Signature = "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)),
 *                X-WMS-Timestamp (s)
 */
export type VerifyFailure = { ok: false; code: 'missing_signature' | 'bad_signature' | 'stale_timestamp'; message: string };
export type VerifyResult = { ok: true } | VerifyFailure;

export interface VerifyInput {
  raw: Buffer;
  headers: IncomingHttpHeaders;
  method: string;
  /** The full URI the vendor called (HubSpot signs it). */
  uri: string;
  /** Milliseconds since the epoch. */
  now: number;
  toleranceSeconds: number;
}

export type Verifier = (secret: string, input: VerifyInput) => VerifyResult;

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function fail(code: VerifyFailure['code'], message: string): VerifyFailure {
  return { ok: false, code, message };
}

/** Timestamp (in `unit`) within tolerance of now, else a failure. */
function checkTimestamp(value: string | undefined, unitMs: number, input: VerifyInput, name: string): VerifyFailure | undefined {
  if (value === undefined || value === '') return fail('missing_signature', `missing ${name} header`);
  if (!/^\d{1,16}$/.test(value)) return fail('bad_signature', `${name} is not a Unix timestamp`);
  const skew = Math.abs(input.now - Number(value) * unitMs);
  if (skew > input.toleranceSeconds * 1000) return fail('stale_timestamp', `${name} is ${Math.round(skew / 1000)} s away from the bridge's clock (allowed: ${input.toleranceSeconds} s): replayed or delayed delivery`);
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const verifyStandardWebhook: Verifier = (secret, input) => {
  const id = header(input.headers, 'webhook-id');
  const sig = header(input.headers, 'webhook-signature');
  if (!id || !sig) return fail('missing_signature', 'missing webhook-id or webhook-signature header (Standard Webhooks)');
  const stale = checkTimestamp(header(input.headers, 'webhook-timestamp'), 1000, input, 'webhook-timestamp');
  if (stale) return stale;
  let wh: Webhook;
  try {
    wh = new Webhook(secret);
  } catch (err) {
    return fail('bad_signature', `webhook secret is unusable: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    wh.verify(input.raw, { 'webhook-id': id, 'webhook-timestamp': header(input.headers, 'webhook-timestamp')!, 'webhook-signature': sig }, { jsonParse: false });
    return { ok: true };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/timestamp/i.test(msg)) return fail('stale_timestamp', `webhook-timestamp refused: ${msg}`);
    return fail('bad_signature', 'webhook-signature does not match the body (Standard Webhooks)');
  }
};

export const verifyHubSpotV3: Verifier = (secret, input) => {
  const sig = header(input.headers, 'x-hubspot-signature-v3');
  if (!sig) return fail('missing_signature', 'missing X-HubSpot-Signature-v3 header');
  const ts = header(input.headers, 'x-hubspot-request-timestamp');
  const stale = checkTimestamp(ts, 1, input, 'X-HubSpot-Request-Timestamp');
  if (stale) return stale;
  const expected = createHmac('sha256', secret).update(input.method.toUpperCase()).update(input.uri).update(input.raw).update(ts!).digest('base64');
  if (!safeEqual(sig, expected)) return fail('bad_signature', `X-HubSpot-Signature-v3 does not match (signed URI checked: ${input.uri}; set server.public_url when behind a proxy)`);
  return { ok: true };
};

export const verifyWmsHmac: Verifier = (secret, input) => {
  const sig = header(input.headers, 'x-wms-signature');
  if (!sig) return fail('missing_signature', 'missing X-WMS-Signature header');
  const ts = header(input.headers, 'x-wms-timestamp');
  const stale = checkTimestamp(ts, 1000, input, 'X-WMS-Timestamp');
  if (stale) return stale;
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts!}.`).update(input.raw).digest('hex')}`;
  if (!safeEqual(sig.toLowerCase(), expected)) return fail('bad_signature', 'X-WMS-Signature does not match the body');
  return { ok: true };
};

/**
 * Secret rotation: verifies with each secret in turn (the target's webhook_secret first, then
 * webhook_secret_previous while it is set). A missing signature or a stale timestamp does not
 * depend on the secret and is answered at once; a delivery that matches none of the secrets
 * gets the first secret's failure, so the answer is the same as with one secret. Every
 * comparison stays constant-time (each verifier's own). `secretIndex` says which one matched.
 */
export function verifyWithSecrets(verifier: Verifier, secrets: readonly string[], input: VerifyInput): VerifyResult & { secretIndex?: number } {
  let first: VerifyFailure | undefined;
  for (const [i, secret] of secrets.entries()) {
    const verdict = verifier(secret, input);
    if (verdict.ok) return { ok: true, secretIndex: i };
    first ??= verdict;
    if (verdict.code !== 'bad_signature') break;
  }
  return first ?? fail('bad_signature', 'no webhook secret configured');
}

export const VERIFIERS: Record<string, Verifier> = {
  shipbob: verifyStandardWebhook,
  hubspot: verifyHubSpotV3,
  generic_wms: verifyWmsHmac,
};

/**
 * Why a webhook secret cannot verify anything for `preset`, checked at start so that a bad
 * secret is found at deploy time rather than as 401s: ShipBob (Standard Webhooks) needs
 * `whsec_<base64>` or plain base64. The secret itself is never part of the message.
 */
export function webhookSecretProblem(preset: string, secret: string): string | undefined {
  if (!secret.trim()) return 'empty secret';
  if (preset !== 'shipbob') return undefined;
  try {
    new Webhook(secret); // eslint-disable-line no-new
    return undefined;
  } catch {
    return 'not a Standard Webhooks secret: expected whsec_<base64> as ShipBob shows it (Integrations > Webhooks)';
  }
}
