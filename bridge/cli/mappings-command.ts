/** Dispatcher for `sync-bridge mappings <check|preview> ...`, for the main CLI to call. */
import { mappingsCheck } from './mappings-check.js';
import { mappingsPreview, type PreviewOptions } from './mappings-preview.js';
import { consoleWriter } from './mappings-files.js';

export async function runMappingsCommand(argv: string[], options: PreviewOptions = {}): Promise<number> {
  const w = options.writer ?? consoleWriter;
  const [sub, ...rest] = argv;
  if (sub === 'check') return mappingsCheck(rest, { writer: w });
  if (sub === 'preview') return mappingsPreview(rest, { ...options, writer: w });
  w.err('usage: mappings check [dir] [--fixtures] | mappings preview <mapping> (--input <file.json> | --record <model>:<id>) | mappings reload [--url http://host:port]');
  return 2;
}
