#!/usr/bin/env node
/**
 * CLI for the demo: node dist/test/fakes/serve.js <shipbob|hubspot|salesforce|generic-wms>
 *   [--port 8081] [--control-port 9081] [--webhook-url http://127.0.0.1:8080/webhooks/shipbob]
 *   [--secret <webhook/app secret>] [--token <token or API key>] [--rate-limit <n>]
 * Prints one JSON line with the URLs and credentials, then serves until SIGINT/SIGTERM.
 */
import { FAKE_KINDS, startFake, type FakeKind } from './start.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const kind = args[0] as FakeKind | undefined;
  if (!kind || !FAKE_KINDS.includes(kind)) {
    process.stderr.write(`usage: serve.js <${FAKE_KINDS.join('|')}> [--port N] [--control-port N] [--webhook-url URL] [--secret S] [--token T] [--rate-limit N]\n`);
    process.exit(2);
  }
  const port = arg(args, 'port');
  const controlPort = arg(args, 'control-port');
  const webhookUrl = arg(args, 'webhook-url');
  const secret = arg(args, 'secret');
  const token = arg(args, 'token');
  const rate = arg(args, 'rate-limit');
  const common: Record<string, unknown> = {};
  if (port) common['port'] = Number(port);
  if (controlPort) common['controlPort'] = Number(controlPort);
  if (webhookUrl) common['webhookUrl'] = webhookUrl;
  let opts: Record<string, unknown> = common;
  switch (kind) {
    case 'shipbob':
      opts = { ...common, ...(secret ? { webhookSecret: secret } : {}), ...(token ? { tokens: [token] } : {}), ...(rate ? { rateLimit: { limit: Number(rate) } } : {}) };
      break;
    case 'hubspot':
      opts = { ...common, ...(secret ? { appSecret: secret } : {}), ...(token ? { tokens: [token] } : {}), ...(rate ? { rateLimit: { limit: Number(rate) } } : {}) };
      break;
    case 'salesforce':
      opts = { ...common, ...(secret ? { clientSecret: secret } : {}), ...(rate ? { dailyLimit: Number(rate) } : {}) };
      break;
    case 'generic-wms':
      opts = { ...common, ...(secret ? { webhookSecret: secret } : {}), ...(token ? { apiKeys: [token] } : {}), ...(rate ? { rateLimit: { limit: Number(rate) } } : {}) };
      break;
  }
  const fake = await startFake(kind, opts as never);
  const info: Record<string, unknown> = { kind, url: fake.url, baseUrl: fake.baseUrl, controlUrl: fake.controlUrl };
  if (fake.kind === 'shipbob') Object.assign(info, { token: fake.tokens[0], channelId: fake.channels[0]?.id, webhookSecret: fake.webhookSecret });
  if (fake.kind === 'hubspot') Object.assign(info, { token: fake.tokens[0], appSecret: fake.appSecret, portalId: fake.portalId });
  if (fake.kind === 'salesforce') Object.assign(info, { clientId: fake.clientId, clientSecret: fake.clientSecret, tokenUrl: `${fake.url}/services/oauth2/token` });
  if (fake.kind === 'generic-wms') Object.assign(info, { apiKey: fake.apiKeys[0], webhookSecret: fake.webhookSecret });
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
