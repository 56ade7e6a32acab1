import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Redactor, REDACTED } from '../../bridge/log/redact.js';
import { createLogger } from '../../bridge/log/logger.js';

describe('secret redaction', () => {
  const r = new Redactor();
  r.add('s3cr3t-token-value', 'ab');

  it('scrubs registered secret values inside strings', () => {
    expect(r.redactString('call failed with s3cr3t-token-value in url')).to.equal(`call failed with ${REDACTED} in url`);
  });
  it('ignores too-short values (would scrub everything)', () => {
    expect(r.redactString('about')).to.equal('about');
  });
  it('scrubs credential-named keys and bearer tokens at any depth', () => {
    const out = r.redact({ headers: { Authorization: 'Bearer abcdefghijkl', 'x-api-key': 'k' }, nested: [{ password: 'p' }], note: 'Bearer zzzzzzzzzzzz' });
    expect(out).to.deep.equal({ headers: { Authorization: REDACTED, 'x-api-key': REDACTED }, nested: [{ password: REDACTED }], note: `Bearer ${REDACTED}` });
  });
  it('the logger never writes a secret, in message or metadata', () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: 'info', format: 'json', redactor: r, stream });
    log.child({ correlationId: 'c-1' }).info('token s3cr3t-token-value used', { api_key: 'whatever', detail: { url: 'https://x/?t=s3cr3t-token-value' } });
    const text = lines.join('');
    expect(text).not.to.contain('s3cr3t-token-value');
    expect(text).not.to.contain('whatever');
    const obj = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(obj.correlationId).to.equal('c-1');
    expect(obj.message).to.equal(`token ${REDACTED} used`);
  });
});
