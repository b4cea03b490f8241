import { TwitchAPIError } from './twitch-api-error.js';

/**
 * A stored token could not be read or written: the file (or Redis entry) is corrupt, was written by
 * another program or with another encryption key, or the file system refused. The message names
 * the file or key and what to do.
 */
export class TokenStoreError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TokenStoreError';
  /** The file, or the Redis key, concerned. */
  readonly path: string;
  /**
   * `corrupt`: the file holds something that is not a token file (moving it aside and logging in
   * again is the cure); `io`: the file system refused (permissions, a missing directory, a full
   * disk), and the file itself may be fine; `config`: the store is set up wrong and no retry can
   * help (Redis refused the password, a command or key by its ACL, or its TLS certificate): the
   * message says what to fix.
   */
  readonly reason: 'corrupt' | 'io' | 'config';

  constructor(
    details: { readonly path: string; readonly reason: 'corrupt' | 'io' | 'config'; readonly cause?: unknown },
    message: string,
  ) {
    super(message, { cause: details.cause });
    this.path = details.path;
    this.reason = details.reason;
  }
}
