import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced code block of the README, or an `@example` of a TSDoc comment. */
export interface CodeBlock {
  /** Where it starts, e.g. `README.md:79` (the line of the opening fence's first code line). */
  readonly where: string;
  /** The file it comes from, relative to the repository. */
  readonly file: string;
  /** The line of its first code line in that file (1-based). */
  readonly line: number;
  /** The fence's language, lower case: `ts`, `js`, `json`, `sh`, … */
  readonly lang: string;
  /** The heading it sits under (README), or the declaration it documents (TSDoc). */
  readonly context: string;
  readonly code: string;
}

/** Languages type-checked as TypeScript or JavaScript. */
export const SCRIPT_LANGS = new Set(['ts', 'typescript', 'mts', 'js', 'javascript', 'mjs']);

/**
 * The fenced code blocks of a Markdown file, each with the heading it sits under. A block's
 * language is the fence's info string (` ```ts `); a block that is deliberately not code uses
 * another one (`text`).
 */
export function markdownBlocks(root: string, file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '(top)';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const headingMatch = /^#{1,6}\s+(.*)$/.exec(line);
    if (headingMatch !== null) heading = headingMatch[1] ?? '';
    const fence = /^(```+)\s*([\w-]*)/.exec(line);
    if (fence === null) continue;
    const close = fence[1] ?? '```';
    const start = index + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith(close)) end++;
    blocks.push({
      where: `${file}:${String(start + 1)}`,
      file,
      line: start + 1,
      lang: (fence[2] ?? '').toLowerCase(),
      context: heading,
      code: lines.slice(start, end).join('\n'),
    });
    index = end;
  }
  return blocks;
}

/** A Markdown heading: its level, its text as shown (no backticks), and GitHub's anchor for it. */
export interface MarkdownHeading {
  readonly level: number;
  readonly text: string;
  readonly slug: string;
}

/** The headings of a Markdown file (outside code blocks), with the anchors GitHub gives them. */
export function markdownHeadings(root: string, file: string): MarkdownHeading[] {
  const headings: MarkdownHeading[] = [];
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    const opening = /^(```+)/.exec(line)?.[1];
    if (opening !== undefined) {
      if (fence === undefined) fence = opening;
      else if (line.startsWith(fence)) fence = undefined;
      continue;
    }
    const match = fence === undefined ? /^(#{1,6})\s+(.*?)\s*$/.exec(line) : null;
    if (match === null) continue;
    const text = (match[2] ?? '').replace(/`([^`]*)`/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    // GitHub: lower case; punctuation other than - and _ dropped; each space a hyphen; repeats get -1, -2…
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    headings.push({ level: match[1]?.length ?? 1, text, slug: count === 0 ? base : `${base}-${String(count)}` });
  }
  return headings;
}

/**
 * The ` ```ts ` blocks under `@example` tags of the TSDoc comments in `dir` (recursively), each
 * with the first line of the declaration it documents.
 */
export function tsdocExamples(root: string, dir: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const path of sourceFiles(join(root, dir))) {
    const file = relative(root, path);
    const lines = readFileSync(path, 'utf8').split('\n');
    for (let index = 0; index < lines.length; index++) {
      if (!/^\s*\*\s*@example\b/.test(lines[index] ?? '')) continue;
      let open = index + 1;
      while (open < lines.length && !/^\s*\*\s*```/.test(lines[open] ?? '')) open++;
      const lang = /```\s*(\w*)/.exec(lines[open] ?? '')?.[1]?.toLowerCase() ?? '';
      let close = open + 1;
      while (close < lines.length && !/^\s*\*\s*```/.test(lines[close] ?? '')) close++;
      let declaration = close + 1;
      while (declaration < lines.length && /^\s*(\*|\/\*\*)/.test(lines[declaration] ?? '')) declaration++;
      blocks.push({
        where: `${file}:${String(open + 2)}`,
        file,
        line: open + 2,
        lang,
        context: (lines[declaration] ?? '').trim(),
        code: lines
          .slice(open + 1, close)
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n'),
      });
      index = close;
    }
  }
  return blocks;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
