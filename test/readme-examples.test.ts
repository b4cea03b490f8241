import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMON_OPTIONS, type Command, type OptionSpecs } from '../src/cli/command.js';
import { parseCommandLine } from '../src/cli/parse-options.js';
import { COMMANDS } from '../src/cli/run-cli.js';
import {
  markdownBlocks,
  markdownHeadings,
  SCRIPT_LANGS,
  tsdocExamples,
  type CodeBlock,
} from './support/code-blocks.js';

// Every ts/js block of the README, and every TSDoc @example, type-checked against the BUILT package
// (dist/, as npm installs it: resolved through package.json "exports"), in strict mode with
// `moduleResolution: nodenext`, as a user's project would compile it.
//
// - A README block is a program on its own: it imports what it uses, or, when it has no import at
//   all, sees every export of `twitchapi-oauth`; anything else it assumes it declares
//   (`declare const appId: string;`). A block that is not code uses another fence (`text`).
// - A TSDoc @example is a fragment: the package's exports (all entry points) are in scope, and names
//   it does not define (the reader's `appId`, `token`, …) are allowed; everything else must check.

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRY_POINTS = [
  'twitchapi-oauth',
  'twitchapi-oauth/testing',
  'twitchapi-oauth/redis',
  'twitchapi-oauth/twurple',
] as const;
/** Packages the README's recipes import, linked from this repository's devDependencies. */
const RECIPE_PACKAGES = [
  'ioredis',
  '@twurple/api',
  '@twurple/auth',
  '@twurple/chat',
  '@twurple/common',
  'fastify',
  '@types/express',
];

/**
 * Blocks in sections that other work is rewriting: each is expected to FAIL until that work lands,
 * and its test fails as soon as the block checks (then remove the entry). Keyed by a line of the
 * block's code, or by the source file of an @example.
 */
const KNOWN_BROKEN: Readonly<Record<string, string>> = {};

const readme = markdownBlocks(root, 'README.md');
const examples = tsdocExamples(root, 'src');

interface Checked {
  readonly block: CodeBlock;
  readonly file: string;
  /** Lines added before the block's code (imports), to map diagnostics back. */
  readonly prefixLines: number;
  readonly fragment: boolean;
}

let work: string;
const diagnostics = new Map<string, string[]>();

function setUpConsumer(): void {
  work = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-readme-'));
  mkdirSync(join(work, 'node_modules'));
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'readme-check', private: true, type: 'module' }));
  // The package as installed: its package.json "exports" lead to dist/.
  symlinkSync(root, join(work, 'node_modules', 'twitchapi-oauth'), 'dir');
  for (const name of RECIPE_PACKAGES) {
    mkdirSync(dirname(join(work, 'node_modules', name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(work, 'node_modules', name), 'dir');
  }
}

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  typeRoots: [join(root, 'node_modules/@types')],
  allowJs: true,
  checkJs: true,
  skipLibCheck: true,
};

/** The names each entry point exports, read from its built declarations. */
function exportedNames(): Map<string, string[]> {
  const probe = join(work, 'probe.mts');
  writeFileSync(probe, ENTRY_POINTS.map((entry, index) => `import * as e${String(index)} from '${entry}';`).join('\n'));
  const program = ts.createProgram([probe], compilerOptions);
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  const source = program.getSourceFile(probe);
  if (source === undefined) throw new Error('probe not compiled');
  source.statements.forEach((statement, index) => {
    if (!ts.isImportDeclaration(statement)) return;
    const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (symbol === undefined) throw new Error(`${String(ENTRY_POINTS[index])} does not resolve: is dist/ built?`);
    names.set(
      ENTRY_POINTS[index] ?? '',
      checker.getExportsOfModule(symbol).map((exported) => exported.name),
    );
  });
  return names;
}

function prepare(block: CodeBlock, index: number, fragment: boolean, names: Map<string, string[]>): Checked {
  const js = block.lang.startsWith('js') || block.lang === 'javascript' || block.lang === 'mjs';
  const file = join(work, `${fragment ? 'example' : 'readme'}-${String(index)}.${js ? 'mjs' : 'mts'}`);
  const imports: string[] = [];
  const hasImports = /^\s*import\s/m.test(block.code);
  if (fragment || !hasImports) {
    const entries = fragment ? ENTRY_POINTS : ENTRY_POINTS.slice(0, 1);
    const seen = new Set<string>();
    for (const entry of entries) {
      const fresh = (names.get(entry) ?? []).filter((name) => !seen.has(name) && !declares(block.code, name));
      fresh.forEach((name) => seen.add(name));
      if (fresh.length > 0) imports.push(`import { ${fresh.join(', ')} } from '${entry}';`);
    }
  }
  writeFileSync(file, `${[...imports, block.code].join('\n')}\n`);
  return { block, file, prefixLines: imports.length, fragment };
}

/** Whether the code defines `name` itself (then an auto-import of it would clash). */
function declares(code: string, name: string): boolean {
  return new RegExp(
    `\\b(?:const|let|var|function|class|interface|type)\\s+${name}\\b|import\\s[^;]*\\b${name}\\b`,
  ).test(code);
}

function typeCheck(checked: readonly Checked[]): void {
  const program = ts.createProgram(
    checked.map((entry) => entry.file),
    compilerOptions,
  );
  const byFile = new Map(checked.map((entry) => [realpathSync(entry.file), entry]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file === undefined ? undefined : byFile.get(realpathSync(diagnostic.file.fileName));
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (file === undefined) {
      const where = diagnostic.file === undefined ? '(global)' : relative(work, diagnostic.file.fileName);
      diagnostics.set('(global)', [...(diagnostics.get('(global)') ?? []), `${where}: ${message}`]);
      continue;
    }
    // A fragment may use names the reader supplies: "Cannot find name" (not "did you mean…"), and
    // "no value for the shorthand property" (`{ appId }`).
    if (file.fragment && (diagnostic.code === 2304 || diagnostic.code === 18004)) continue;
    const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line ?? 0;
    const at = `${file.block.file}:${String(file.block.line + line - file.prefixLines)}`;
    diagnostics.set(file.block.where, [
      ...(diagnostics.get(file.block.where) ?? []),
      `${at} TS${String(diagnostic.code)}: ${message}`,
    ]);
  }
}

beforeAll(() => {
  setUpConsumer();
  const names = exportedNames();
  const checked = [
    ...readme
      .filter((block) => SCRIPT_LANGS.has(block.lang))
      .map((block, index) => prepare(block, index, false, names)),
    ...examples
      .filter((block) => SCRIPT_LANGS.has(block.lang))
      .map((block, index) => prepare(block, index, true, names)),
  ];
  typeCheck(checked);
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('README.md: every ts/js block type-checks against the built package', () => {
  it('has blocks to check, and no error outside them', () => {
    expect(readme.filter((block) => SCRIPT_LANGS.has(block.lang)).length).toBeGreaterThan(10);
    expect(diagnostics.get('(global)') ?? []).toEqual([]);
  });

  for (const block of readme.filter((candidate) => SCRIPT_LANGS.has(candidate.lang))) {
    checks(block, `${block.where} (${block.context})`);
  }

  it('gives every code block a language: a block that is not code says so (`text`)', () => {
    expect(readme.filter((block) => block.lang === '').map((block) => block.where)).toEqual([]);
  });

  it('has internal links that lead to a heading (GitHub anchors)', () => {
    const slugs = new Set(markdownHeadings(root, 'README.md').map((heading) => heading.slug));
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    const anchors = [...text.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor = '']) => anchor);
    expect(anchors.length).toBeGreaterThan(5);
    expect(anchors.filter((anchor) => !slugs.has(anchor))).toEqual([]);
  });

  it('has JSON blocks that parse', () => {
    for (const block of readme.filter((candidate) => candidate.lang === 'json')) {
      expect(() => JSON.parse(block.code) as unknown, block.where).not.toThrow();
    }
  });
});

describe('README.md: the command line it shows is the one that runs', () => {
  const optionsOf = (command: Command): OptionSpecs => ({
    ...Object.fromEntries(command.common.map((option) => [option, COMMON_OPTIONS[option]])),
    ...command.options,
  });

  it('every `npx twitchapi-oauth …` line names a command and options it has', () => {
    const lines = readme
      .filter((block) => block.lang === 'sh')
      .flatMap((block) => block.code.split('\n'))
      .map((line) => /npx twitchapi-oauth (.*)$/.exec(line.replace(/\s+#.*$/, ''))?.[1])
      .filter((rest): rest is string => rest !== undefined);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const [name, ...args] = line.trim().split(/\s+/);
      const command = COMMANDS.find((candidate) => candidate.name === name);
      expect(command, line).toBeDefined();
      if (command !== undefined)
        expect(() => parseCommandLine(command.name, args, optionsOf(command)), line).not.toThrow();
    }
  });

  it("the command table lists only options each command has, and every command's own options", () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    for (const command of COMMANDS) {
      const row = new RegExp(`^\\| \`${command.name}[ \`].*$`, 'm').exec(text)?.[0];
      expect(row, command.name).toBeDefined();
      const named = [...(row ?? '').matchAll(/`--([a-z-]+)/g)].map(([, option = '']) => option);
      expect(
        named.filter((option) => !(option in optionsOf(command))),
        command.name,
      ).toEqual([]);
      const missing = Object.keys(command.options).filter((option) => !named.includes(option));
      expect(missing, command.name).toEqual([]);
    }
  });
});

describe('README.md: the headless login example runs as written', () => {
  it('logs in through the storage helper against the fake, with no one at a browser', async () => {
    const block = readme.find((candidate) => candidate.code.includes('async function followRedirect'));
    if (block === undefined) throw new Error('The headless login example is missing from the README.');
    const { outputText } = ts.transpileModule(block.code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const script = join(work, 'headless-login.mjs');
    writeFileSync(script, outputText);
    const { stdout, stderr } = await run(process.execPath, [script], { cwd: work, timeout: 30_000 });
    expect(stdout).toBe("[ 'chat:read' ]\n");
    expect(stderr).toBe('');
    expect(JSON.parse(readFileSync(join(work, 'test-token.json'), 'utf8'))).toMatchObject({
      tokens: { default: { scopes: ['chat:read'] } },
    });
  }, 40_000);
});

describe('TSDoc @example blocks type-check against the built package', () => {
  it('finds them', () => {
    expect(examples.length).toBeGreaterThan(5);
    expect(examples.filter((block) => !SCRIPT_LANGS.has(block.lang)).map((block) => block.where)).toEqual([]);
  });

  for (const block of examples) checks(block, `${block.where} (${block.context.slice(0, 60)})`);
});

/** One test per block: no diagnostics, or, for a known broken one, some. */
function checks(block: CodeBlock, name: string): void {
  const key = Object.keys(KNOWN_BROKEN).find((candidate) => block.file === candidate || block.code.includes(candidate));
  const reason = key === undefined ? undefined : KNOWN_BROKEN[key];
  if (reason === undefined) {
    it(name, () => {
      expect(diagnostics.get(block.where) ?? []).toEqual([]);
    });
  } else {
    it.fails(`${name}: known broken until ${reason}`, () => {
      expect(diagnostics.get(block.where) ?? []).toEqual([]);
    });
  }
}
