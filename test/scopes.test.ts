import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AuthScope, type ScopeLike } from '../src/index.js';

// Twitch's scope reference as of 2026-03 (the project's facts file): 81 current scopes.
const CURRENT_SCOPES = `analytics:read:extensions analytics:read:games bits:read channel:bot channel:edit:commercial
channel:manage:ads channel:manage:broadcast channel:manage:clips channel:manage:extensions
channel:manage:guest_star channel:manage:moderators channel:manage:polls channel:manage:predictions
channel:manage:raids channel:manage:redemptions channel:manage:schedule channel:manage:videos
channel:manage:vips channel:moderate channel:read:ads channel:read:charity channel:read:editors
channel:read:goals channel:read:guest_star channel:read:hype_train channel:read:polls
channel:read:predictions channel:read:redemptions channel:read:stream_key channel:read:subscriptions
channel:read:vips chat:edit chat:read clips:edit editor:manage:clips moderation:read
moderator:manage:announcements moderator:manage:automod moderator:manage:automod_settings
moderator:manage:banned_users moderator:manage:blocked_terms moderator:manage:chat_messages
moderator:manage:chat_settings moderator:manage:guest_star moderator:manage:shield_mode
moderator:manage:shoutouts moderator:manage:suspicious_users moderator:manage:unban_requests
moderator:manage:warnings moderator:read:automod_settings moderator:read:banned_users
moderator:read:blocked_terms moderator:read:chat_messages moderator:read:chat_settings
moderator:read:chatters moderator:read:followers moderator:read:guest_star moderator:read:moderators
moderator:read:shield_mode moderator:read:shoutouts moderator:read:suspicious_users
moderator:read:unban_requests moderator:read:vips moderator:read:warnings user:bot user:edit
user:edit:broadcast user:manage:blocked_users user:manage:chat_color user:manage:whispers
user:read:blocked_users user:read:broadcast user:read:chat user:read:email user:read:emotes
user:read:follows user:read:moderated_channels user:read:subscriptions user:read:whispers
user:write:chat whispers:read`.split(/\s+/);
const DEPRECATED_SCOPES = ['channel_subscriptions', 'user:edit:follows', 'whispers:edit'];

const nameOf = (scope: string): string => scope.toUpperCase().replace(/[^A-Z0-9]/g, '_');

describe('AuthScope', () => {
  it('has every current scope, openid and the deprecated ones, named after their values', () => {
    expect(CURRENT_SCOPES).toHaveLength(81);
    const expected = [...CURRENT_SCOPES, 'openid', ...DEPRECATED_SCOPES];
    for (const scope of expected) {
      expect(AuthScope, scope).toHaveProperty(nameOf(scope), scope);
    }
    const values = new Set(Object.values(AuthScope));
    expect(values.size).toBe(expected.length);
  });

  it('keeps the Python original odd name as an alias, and no other member', () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the alias is what this test is about
    expect(AuthScope.ANALYTICS_READ_EXTENSION).toBe('analytics:read:extensions');
    expect(AuthScope.BITS_READ).toBe('bits:read');
    const irregular = Object.entries(AuthScope).filter(([name, value]) => name !== nameOf(value));
    expect(irregular).toEqual([['ANALYTICS_READ_EXTENSION', 'analytics:read:extensions']]);
  });

  it('marks the deprecated scopes and the alias @deprecated, and nothing else', () => {
    const source = readFileSync(new URL('../src/scopes.ts', import.meta.url), 'utf8');
    const deprecatedMembers = [...source.matchAll(/@deprecated[^\n]*\n(?:[^\n]*\*[^\n]*\n)*?\s*([A-Z_]+):/g)].map(
      (match) => match[1],
    );
    expect(deprecatedMembers.sort()).toEqual(['ANALYTICS_READ_EXTENSION', ...DEPRECATED_SCOPES.map(nameOf)].sort());
  });

  it('is a type: the union of the values; ScopeLike accepts any string', () => {
    expectTypeOf<'bits:read'>().toExtend<AuthScope>();
    expectTypeOf<'not:a:scope'>().not.toExtend<AuthScope>();
    expectTypeOf<'a:scope:from:next:year'>().toExtend<ScopeLike>();
    const scopes: ScopeLike[] = [AuthScope.CHAT_READ, 'chat:edit'];
    expect(scopes).toEqual(['chat:read', 'chat:edit']);
  });
});
