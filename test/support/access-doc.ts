import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A table of docs/access.md, between `<!-- marker -->` and `<!-- /marker -->`: its header's
 * cells and its rows' cells, trimmed (the separator row left out). The matrix tests read the
 * document, so the document and the code cannot drift.
 */
export function accessTable(marker: string): { header: string[]; body: string[][] } {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'access.md'), 'utf8');
  const table = doc.split(`<!-- ${marker} -->`)[1]?.split(`<!-- /${marker} -->`)[0] ?? '';
  const [header = [], , ...body] = table
    .trim()
    .split('\n')
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return { header, body };
}
