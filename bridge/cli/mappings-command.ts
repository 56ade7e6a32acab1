/** Dispatcher for `sync-bridge mappings <check|preview|diff> ...`, for the main CLI to call. */
import { mappingsCheck } from './mappings-check.js';
import { mappingsPreview, type PreviewOptions } from './mappings-preview.js';
import { mappingsDiff, type DiffOptions } from './mappings-diff.js';
import { consoleWriter } from './mappings-files.js';

export async function runMappingsCommand(argv: string[], options: PreviewOptions & DiffOptions = {}): Promise<number> {
  const w = options.writer ?? consoleWriter;
  const [sub, ...rest] = argv;
  if (sub === 'check') return mappingsCheck(rest, { writer: w });
  if (sub === 'preview') return mappingsPreview(rest, { ...options, writer: w });
  if (sub === 'diff') return mappingsDiff(rest, { ...options, writer: w });
  w.err('usage: mappings check [dir] [--fixtures] | mappings preview <mapping> (--input <file.json> | --record <model>:<id> | --inbox-id N) | mappings diff <mapping> [--against <old.yaml>|<version>] (--record <model>:<id>... | --recent N | --input <file.json>... | --inbox-id N...) | mappings reload [--url http://host:port]');
  return 2;
}
