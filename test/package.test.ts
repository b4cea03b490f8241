import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';

interface Manifest {
  name: string;
  version: string;
  type: string;
  license: string;
  engines: Record<string, string>;
  exports: Record<string, { types?: string; default?: string } | string>;
  files: string[];
  dependencies: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest;

describe('package.json', () => {
  it('is the ESM-only twitchapi-oauth package for Node >= 20.19, MIT', () => {
    expect(manifest).toMatchObject({ name: 'twitchapi-oauth', type: 'module', license: 'MIT' });
    expect(manifest.engines).toEqual({ node: '>=20.19' });
  });

  it('exports ., ./testing and ./redis, each with types', () => {
    for (const entry of ['.', './testing', './redis']) {
      const target = manifest.exports[entry];
      expect(target, entry).toMatchObject({ types: expect.stringMatching(/\.d\.ts$/) as string });
      expect(target, entry).toMatchObject({ default: expect.stringMatching(/\.js$/) as string });
    }
  });

  it('depends on undici 7 (Node 20), open, zod 4, and uqr (the CLI QR code), and nothing else', () => {
    // uqr draws the `device` command's QR code; it is loaded only there (see process.test.ts).
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['open', 'undici', 'uqr', 'zod']);
    expect(manifest.dependencies['undici']).toMatch(/^\^7\./);
    expect(manifest.dependencies['zod']).toMatch(/^\^4\./);
  });

  it('has ioredis as an optional peer dependency only (for twitchapi-oauth/redis)', () => {
    const withPeers = manifest as Manifest & {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(withPeers.peerDependencies).toEqual({ ioredis: '>=5.3.0' });
    expect(withPeers.peerDependenciesMeta).toEqual({ ioredis: { optional: true } });
    expect(manifest.dependencies).not.toHaveProperty('ioredis');
  });

  it('sends the version of package.json in the User-Agent', () => {
    expect(VERSION).toBe(manifest.version);
  });
});
