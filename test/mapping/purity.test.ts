import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

const ALLOWED = new Set(['yaml', 'zod', 'node:crypto']);

describe('the mapping engine is pure', () => {
  for (const dir of ['bridge/mapping', 'bridge/canonical']) {
    for (const f of readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.ts'))) {
      it(`${dir}/${f} imports no I/O module and runs no code from strings`, () => {
        const src = readFileSync(path.join(ROOT, dir, f), 'utf8');
        const imports = [...src.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
        for (const spec of imports) {
          if (spec!.startsWith('.')) {
            expect(spec!.startsWith('../') && !spec!.startsWith('../canonical/') && !spec!.startsWith('../errors/') && !spec!.startsWith('../mapping/'), `${f} imports ${spec}`).to.equal(false);
            continue;
          }
          expect(ALLOWED.has(spec!), `${f} imports ${spec}`).to.equal(true);
        }
        expect(src).to.not.match(/\beval\s*\(|new\s+Function\s*\(|\bprocess\.|globalThis/);
      });
    }
  }
});
