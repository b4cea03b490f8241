import { parseArgs } from 'node:util';
import type { OptionSpecs, OptionValue } from './command.js';
import { UsageError } from './exit-codes.js';

/** A command line split into option values and positional arguments. */
export interface ParsedCommandLine {
  readonly values: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
}

/**
 * Parses a command's arguments. A mistake is a {@link UsageError} in the CLI's own words, naming the
 * option (and, for an unknown one, the closest known), never `node:util`'s parser text.
 */
export function parseCommandLine(command: string, args: readonly string[], options: OptionSpecs): ParsedCommandLine {
  // First without strictness, to see every option as typed and explain what is wrong with it.
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  const rerun = `\nRun twitchapi-oauth ${command} --help for its options.`;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) {
      const guess = closestOption(token.rawName, options);
      const hint = guess === undefined ? '.' : `: did you mean ${guess}?`;
      throw new UsageError(`Unknown option ${token.rawName} for twitchapi-oauth ${command}${hint}${rerun}`);
    }
    if (spec.type === 'string' && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value: ${token.rawName} VALUE.${rerun}`);
    }
    if (spec.type === 'boolean' && token.inlineValue === true) {
      throw new UsageError(`${token.rawName} takes no value.${rerun}`);
    }
  }
  const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  return { values, positionals };
}

/**
 * The known option closest to what was typed (`--scope` → `--scopes`, `--client_id` →
 * `--client-id`), or `undefined` when none is close enough to be a likely typo.
 */
export function closestOption(typed: string, options: OptionSpecs): string | undefined {
  const name = typed.replace(/^-+/, '').toLowerCase().replaceAll('_', '-');
  let best: { option: string; distance: number } | undefined;
  for (const option of Object.keys(options)) {
    const prefix = name.length >= 3 && (option.startsWith(name) || name.startsWith(option));
    const distance = prefix ? 1 : editDistance(name, option);
    if (best === undefined || distance < best.distance) best = { option, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.min(name.length, best.option.length) / 3));
  return best.distance <= allowed ? `--${best.option}` : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] ?? [];
      const previous = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return rows[a.length]?.[b.length] ?? 0;
}
