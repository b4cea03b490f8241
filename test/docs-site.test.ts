import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownHeadings } from './support/code-blocks.js';

// `npm run docs` builds the API reference with the README as its front page. This builds it the
// same way (typedoc.json) into a temporary directory and follows every link inside it.

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
let site: string;

/** Every file of the site, relative to it. */
function siteFiles(dir = site): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? siteFiles(path) : [relative(site, path)];
  });
}

const idsCache = new Map<string, Set<string>>();
/** The anchors a page (or an SVG sprite) defines. */
function idsOf(file: string): Set<string> {
  let ids = idsCache.get(file);
  if (ids === undefined) {
    const text = readFileSync(join(site, file), 'utf8');
    ids = new Set([...text.matchAll(/\s(?:id|name)="([^"]*)"/g)].map((match) => decode(match[1] ?? '')));
    idsCache.set(file, ids);
  }
  return ids;
}

function decode(text: string): string {
  return text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
}

/** The text of an HTML fragment as a reader sees it. */
function plainText(html: string): string {
  return decode(html.replace(/<wbr\s*\/?>/g, '').replace(/<[^>]+>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'twitchapi-oauth-docs-'));
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  await run(process.execPath, [typedoc, '--out', site], { cwd: root, timeout: 170_000 });
}, 180_000);

afterAll(() => {
  rmSync(site, { recursive: true, force: true });
});

describe('the generated docs site (npm run docs)', () => {
  it('has no broken internal link: every linked page exists and every #anchor is defined there', () => {
    const pages = siteFiles().filter((file) => file.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(20);
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const html = readFileSync(join(site, page), 'utf8');
      for (const [, rawHref = ''] of html.matchAll(/\shref="([^"]*)"/g)) {
        const href = decode(rawHref);
        if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href === '' || href === '#') continue;
        const [path = '', fragment] = href.split('#', 2);
        const target = path === '' ? page : relative(site, resolve(dirname(join(site, page)), decodeURI(path)));
        checked++;
        if (!existsSync(join(site, target))) {
          broken.push(`${page}: ${href} (no ${target})`);
        } else if (fragment !== undefined && fragment !== '' && !idsOf(target).has(decodeURIComponent(fragment))) {
          broken.push(`${page}: ${href} (no #${fragment} in ${target})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(broken).toEqual([]);
  });

  it("lists every README heading in the front page's contents by its whole text", () => {
    const html = readFileSync(join(site, 'index.html'), 'utf8');
    const start = html.indexOf('tsd-page-navigation');
    const navigation = html.slice(start, html.indexOf('</details>', start));
    const entries = [...navigation.matchAll(/<a href="#([^"]*)"[^>]*>(.*?)<\/a>/g)].map(([, id = '', text = '']) => ({
      id,
      text: plainText(text),
    }));
    const headings = markdownHeadings(root, 'README.md').filter((heading) => heading.level >= 2);
    expect(entries.map((entry) => entry.text)).toEqual(expect.arrayContaining(headings.map((h) => h.text)));
    // An anchor made from what was left of a heading once its code was dropped: `-browser-login`, `→`.
    expect(entries.filter((entry) => !/^[a-z0-9][a-z0-9-]*$/.test(entry.id))).toEqual([]);
  });

  it('names each module by its import path, not its file', () => {
    const titles = siteFiles()
      .filter((file) => file.startsWith('modules/'))
      .map((file) => /<h1>([^<]*)<\/h1>/.exec(readFileSync(join(site, file), 'utf8'))?.[1]);
    expect(titles.sort()).toEqual([
      'Module twitchapi-oauth',
      'Module twitchapi-oauth/redis',
      'Module twitchapi-oauth/testing',
      'Module twitchapi-oauth/twurple',
    ]);
  });
});
