/**
 * Every OAuth scope Twitch defines (81 current scopes, `openid`, and three deprecated ones), as of
 * Twitch's scope reference of 2026-03.
 *
 * Each member is named after its value (`bits:read` → `BITS_READ`), as in the Python original.
 * `AuthScope` is also a type: the union of the values. Every API of this library that takes scopes
 * accepts plain strings too, so a scope Twitch adds later needs no library update.
 *
 * @example
 * ```ts
 * const scopes = [AuthScope.CHAT_READ, AuthScope.CHAT_EDIT];
 * ```
 */
export const AuthScope = {
  /** `analytics:read:extensions`: View analytics for extensions. */
  ANALYTICS_READ_EXTENSIONS: 'analytics:read:extensions',
  /** `analytics:read:games`: View analytics for games. */
  ANALYTICS_READ_GAMES: 'analytics:read:games',
  /** `bits:read`: View Bits information for the channel. */
  BITS_READ: 'bits:read',
  /** `channel:bot`: Lets a bot joined to the channel act in the channel's chat (together with the bot's `user:bot`). */
  CHANNEL_BOT: 'channel:bot',
  /** `channel:edit:commercial`: Run commercials on the channel. */
  CHANNEL_EDIT_COMMERCIAL: 'channel:edit:commercial',
  /** `channel:manage:ads`: Manage the channel's ads. */
  CHANNEL_MANAGE_ADS: 'channel:manage:ads',
  /** `channel:manage:broadcast`: Manage the channel's broadcast. */
  CHANNEL_MANAGE_BROADCAST: 'channel:manage:broadcast',
  /** `channel:manage:clips`: Manage the channel's clips. */
  CHANNEL_MANAGE_CLIPS: 'channel:manage:clips',
  /** `channel:manage:extensions`: Manage the channel's extensions. */
  CHANNEL_MANAGE_EXTENSIONS: 'channel:manage:extensions',
  /** `channel:manage:guest_star`: Manage the channel's guest star. */
  CHANNEL_MANAGE_GUEST_STAR: 'channel:manage:guest_star',
  /** `channel:manage:moderators`: Manage the channel's moderators. */
  CHANNEL_MANAGE_MODERATORS: 'channel:manage:moderators',
  /** `channel:manage:polls`: Manage the channel's polls. */
  CHANNEL_MANAGE_POLLS: 'channel:manage:polls',
  /** `channel:manage:predictions`: Manage the channel's predictions. */
  CHANNEL_MANAGE_PREDICTIONS: 'channel:manage:predictions',
  /** `channel:manage:raids`: Manage the channel's raids. */
  CHANNEL_MANAGE_RAIDS: 'channel:manage:raids',
  /** `channel:manage:redemptions`: Manage the channel's redemptions. */
  CHANNEL_MANAGE_REDEMPTIONS: 'channel:manage:redemptions',
  /** `channel:manage:schedule`: Manage the channel's schedule. */
  CHANNEL_MANAGE_SCHEDULE: 'channel:manage:schedule',
  /** `channel:manage:videos`: Manage the channel's videos. */
  CHANNEL_MANAGE_VIDEOS: 'channel:manage:videos',
  /** `channel:manage:vips`: Manage the channel's vips. */
  CHANNEL_MANAGE_VIPS: 'channel:manage:vips',
  /** `channel:moderate`: Perform moderation actions in the channel (chat and PubSub). */
  CHANNEL_MODERATE: 'channel:moderate',
  /** `channel:read:ads`: View the channel's ads. */
  CHANNEL_READ_ADS: 'channel:read:ads',
  /** `channel:read:charity`: View the channel's charity. */
  CHANNEL_READ_CHARITY: 'channel:read:charity',
  /** `channel:read:editors`: View the channel's editors. */
  CHANNEL_READ_EDITORS: 'channel:read:editors',
  /** `channel:read:goals`: View the channel's goals. */
  CHANNEL_READ_GOALS: 'channel:read:goals',
  /** `channel:read:guest_star`: View the channel's guest star. */
  CHANNEL_READ_GUEST_STAR: 'channel:read:guest_star',
  /** `channel:read:hype_train`: View the channel's hype train. */
  CHANNEL_READ_HYPE_TRAIN: 'channel:read:hype_train',
  /** `channel:read:polls`: View the channel's polls. */
  CHANNEL_READ_POLLS: 'channel:read:polls',
  /** `channel:read:predictions`: View the channel's predictions. */
  CHANNEL_READ_PREDICTIONS: 'channel:read:predictions',
  /** `channel:read:redemptions`: View the channel's redemptions. */
  CHANNEL_READ_REDEMPTIONS: 'channel:read:redemptions',
  /** `channel:read:stream_key`: View the channel's stream key. */
  CHANNEL_READ_STREAM_KEY: 'channel:read:stream_key',
  /** `channel:read:subscriptions`: View the channel's subscriptions. */
  CHANNEL_READ_SUBSCRIPTIONS: 'channel:read:subscriptions',
  /** `channel:read:vips`: View the channel's vips. */
  CHANNEL_READ_VIPS: 'channel:read:vips',
  /**
   * `channel_subscriptions`: Read subscriptions (legacy).
   *
   * @deprecated Use `channel:read:subscriptions` ({@link AuthScope.CHANNEL_READ_SUBSCRIPTIONS}).
   */
  CHANNEL_SUBSCRIPTIONS: 'channel_subscriptions',
  /** `chat:edit`: Send chat messages over IRC. */
  CHAT_EDIT: 'chat:edit',
  /** `chat:read`: Read chat messages over IRC. */
  CHAT_READ: 'chat:read',
  /** `clips:edit`: Create clips from the channel. */
  CLIPS_EDIT: 'clips:edit',
  /** `editor:manage:clips`: Manage the clips of the channels the user is an editor of. */
  EDITOR_MANAGE_CLIPS: 'editor:manage:clips',
  /** `moderation:read`: View the channel's moderation data: moderators, bans, timeouts, AutoMod. */
  MODERATION_READ: 'moderation:read',
  /** `moderator:manage:announcements`: As a moderator, manage the channel's announcements. */
  MODERATOR_MANAGE_ANNOUNCEMENTS: 'moderator:manage:announcements',
  /** `moderator:manage:automod`: As a moderator, manage the channel's automod. */
  MODERATOR_MANAGE_AUTOMOD: 'moderator:manage:automod',
  /** `moderator:manage:automod_settings`: As a moderator, manage the channel's automod settings. */
  MODERATOR_MANAGE_AUTOMOD_SETTINGS: 'moderator:manage:automod_settings',
  /** `moderator:manage:banned_users`: As a moderator, manage the channel's banned users. */
  MODERATOR_MANAGE_BANNED_USERS: 'moderator:manage:banned_users',
  /** `moderator:manage:blocked_terms`: As a moderator, manage the channel's blocked terms. */
  MODERATOR_MANAGE_BLOCKED_TERMS: 'moderator:manage:blocked_terms',
  /** `moderator:manage:chat_messages`: As a moderator, manage the channel's chat messages. */
  MODERATOR_MANAGE_CHAT_MESSAGES: 'moderator:manage:chat_messages',
  /** `moderator:manage:chat_settings`: As a moderator, manage the channel's chat settings. */
  MODERATOR_MANAGE_CHAT_SETTINGS: 'moderator:manage:chat_settings',
  /** `moderator:manage:guest_star`: As a moderator, manage the channel's guest star. */
  MODERATOR_MANAGE_GUEST_STAR: 'moderator:manage:guest_star',
  /** `moderator:manage:shield_mode`: As a moderator, manage the channel's shield mode. */
  MODERATOR_MANAGE_SHIELD_MODE: 'moderator:manage:shield_mode',
  /** `moderator:manage:shoutouts`: As a moderator, manage the channel's shoutouts. */
  MODERATOR_MANAGE_SHOUTOUTS: 'moderator:manage:shoutouts',
  /** `moderator:manage:suspicious_users`: As a moderator, manage the channel's suspicious users. */
  MODERATOR_MANAGE_SUSPICIOUS_USERS: 'moderator:manage:suspicious_users',
  /** `moderator:manage:unban_requests`: As a moderator, manage the channel's unban requests. */
  MODERATOR_MANAGE_UNBAN_REQUESTS: 'moderator:manage:unban_requests',
  /** `moderator:manage:warnings`: As a moderator, manage the channel's warnings. */
  MODERATOR_MANAGE_WARNINGS: 'moderator:manage:warnings',
  /** `moderator:read:automod_settings`: As a moderator, view the channel's automod settings. */
  MODERATOR_READ_AUTOMOD_SETTINGS: 'moderator:read:automod_settings',
  /** `moderator:read:banned_users`: As a moderator, view the channel's banned users. */
  MODERATOR_READ_BANNED_USERS: 'moderator:read:banned_users',
  /** `moderator:read:blocked_terms`: As a moderator, view the channel's blocked terms. */
  MODERATOR_READ_BLOCKED_TERMS: 'moderator:read:blocked_terms',
  /** `moderator:read:chat_messages`: As a moderator, view the channel's chat messages. */
  MODERATOR_READ_CHAT_MESSAGES: 'moderator:read:chat_messages',
  /** `moderator:read:chat_settings`: As a moderator, view the channel's chat settings. */
  MODERATOR_READ_CHAT_SETTINGS: 'moderator:read:chat_settings',
  /** `moderator:read:chatters`: As a moderator, view the channel's chatters. */
  MODERATOR_READ_CHATTERS: 'moderator:read:chatters',
  /** `moderator:read:followers`: As a moderator, view the channel's followers. */
  MODERATOR_READ_FOLLOWERS: 'moderator:read:followers',
  /** `moderator:read:guest_star`: As a moderator, view the channel's guest star. */
  MODERATOR_READ_GUEST_STAR: 'moderator:read:guest_star',
  /** `moderator:read:moderators`: As a moderator, view the channel's moderators. */
  MODERATOR_READ_MODERATORS: 'moderator:read:moderators',
  /** `moderator:read:shield_mode`: As a moderator, view the channel's shield mode. */
  MODERATOR_READ_SHIELD_MODE: 'moderator:read:shield_mode',
  /** `moderator:read:shoutouts`: As a moderator, view the channel's shoutouts. */
  MODERATOR_READ_SHOUTOUTS: 'moderator:read:shoutouts',
  /** `moderator:read:suspicious_users`: As a moderator, view the channel's suspicious users. */
  MODERATOR_READ_SUSPICIOUS_USERS: 'moderator:read:suspicious_users',
  /** `moderator:read:unban_requests`: As a moderator, view the channel's unban requests. */
  MODERATOR_READ_UNBAN_REQUESTS: 'moderator:read:unban_requests',
  /** `moderator:read:vips`: As a moderator, view the channel's vips. */
  MODERATOR_READ_VIPS: 'moderator:read:vips',
  /** `moderator:read:warnings`: As a moderator, view the channel's warnings. */
  MODERATOR_READ_WARNINGS: 'moderator:read:warnings',
  /** `openid`: OpenID Connect: lets the app get an ID token and call the user info endpoint. */
  OPENID: 'openid',
  /** `user:bot`: Lets the user's account act as a bot in chat. */
  USER_BOT: 'user:bot',
  /** `user:edit`: Edit the user's profile. */
  USER_EDIT: 'user:edit',
  /** `user:edit:broadcast`: Edit the user's broadcast configuration, including extension configuration. */
  USER_EDIT_BROADCAST: 'user:edit:broadcast',
  /**
   * `user:edit:follows`: Follow and unfollow channels (legacy).
   *
   * @deprecated Twitch no longer uses this scope; requesting it has no effect.
   */
  USER_EDIT_FOLLOWS: 'user:edit:follows',
  /** `user:manage:blocked_users`: Manage the user's blocked users. */
  USER_MANAGE_BLOCKED_USERS: 'user:manage:blocked_users',
  /** `user:manage:chat_color`: Manage the user's chat color. */
  USER_MANAGE_CHAT_COLOR: 'user:manage:chat_color',
  /** `user:manage:whispers`: Manage the user's whispers. */
  USER_MANAGE_WHISPERS: 'user:manage:whispers',
  /** `user:read:blocked_users`: View the user's blocked users. */
  USER_READ_BLOCKED_USERS: 'user:read:blocked_users',
  /** `user:read:broadcast`: View the user's broadcast configuration, including extension configuration. */
  USER_READ_BROADCAST: 'user:read:broadcast',
  /** `user:read:chat`: Receive chat messages and notifications as the user. */
  USER_READ_CHAT: 'user:read:chat',
  /** `user:read:email`: View the user's email address. */
  USER_READ_EMAIL: 'user:read:email',
  /** `user:read:emotes`: View the user's emotes. */
  USER_READ_EMOTES: 'user:read:emotes',
  /** `user:read:follows`: View the channels the user follows. */
  USER_READ_FOLLOWS: 'user:read:follows',
  /** `user:read:moderated_channels`: View the channels the user moderates. */
  USER_READ_MODERATED_CHANNELS: 'user:read:moderated_channels',
  /** `user:read:subscriptions`: View the user's subscriptions. */
  USER_READ_SUBSCRIPTIONS: 'user:read:subscriptions',
  /** `user:read:whispers`: View the user's whispers. */
  USER_READ_WHISPERS: 'user:read:whispers',
  /** `user:write:chat`: Send chat messages as the user. */
  USER_WRITE_CHAT: 'user:write:chat',
  /**
   * `whispers:edit`: Send whispers (legacy).
   *
   * @deprecated Use `user:manage:whispers` ({@link AuthScope.USER_MANAGE_WHISPERS}).
   */
  WHISPERS_EDIT: 'whispers:edit',
  /** `whispers:read`: Read whispers sent to the user. */
  WHISPERS_READ: 'whispers:read',
  /**
   * The Python original's name for `analytics:read:extensions`.
   *
   * @deprecated Use {@link AuthScope.ANALYTICS_READ_EXTENSIONS}; kept so ported code compiles.
   */
  ANALYTICS_READ_EXTENSION: 'analytics:read:extensions',
} as const;

/** One of Twitch's known scopes, e.g. `'chat:read'`. */
export type AuthScope = (typeof AuthScope)[keyof typeof AuthScope];

/**
 * A scope as this library's APIs accept it: a known {@link AuthScope} (with autocompletion) or any
 * other string, for scopes newer than this library.
 */
// `string & {}` keeps editor autocompletion for the known values while accepting any string.
export type ScopeLike = AuthScope | (string & {});
