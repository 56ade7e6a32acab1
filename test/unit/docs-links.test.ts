import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** The markdown files of the project's docs: README, docs/ (presets too), the addon's readme/. */
function docs(): string[] {
  const out = ['README.md'];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  walk('odoo_addon/sync_bridge/readme');
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'. */
export const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    out.add(n === 0 ? base : `${base}-${n}`);
    seen.set(base, n + 1);
  }
  return out;
}

/** Relative links `[text](target)` outside code: [line, target]. */
function linksOf(file: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let fence = false;
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trimStart().startsWith('```')) fence = !fence;
    if (fence) return;
    const code = line.replace(/`[^`]*`/g, '');
    for (const m of code.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // http(s):, mailto:
      out.push([i + 1, target]);
    }
  });
  return out;
}

describe('docs: every relative link and anchor resolves', () => {
  for (const doc of docs()) {
    it(doc, () => {
      const broken: string[] = [];
      for (const [line, target] of linksOf(path.join(root, doc))) {
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), file);
        if (!fs.existsSync(resolved)) { broken.push(`${doc}:${line}: ${target}: no such file`); continue; }
        if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${doc}:${line}: ${target}: no such heading`);
      }
      expect(broken, broken.join('\n')).to.deep.equal([]);
    });
  }
});
