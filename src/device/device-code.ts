/** The plain fields of a {@link DeviceCode}. */
export interface DeviceCodeFields {
  /** The code the user enters, e.g. `ABCDEFGH`. */
  readonly userCode: string;
  /** Where the user enters it (the code is already filled in). */
  readonly verificationUri: string;
  /** The code's lifetime in seconds: Twitch's `expires_in`, at most 86400 (one day). */
  readonly expiresIn: number;
  /** The polling interval in seconds: Twitch's `interval`, within 1 to 600. */
  readonly interval: number;
  /** When the code expires, in epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * What the user needs to approve a device login. It reads as an object and, like the Python
 * original's tuple, as the pair `[userCode, verificationUri]`.
 */
export class DeviceCode implements DeviceCodeFields, Iterable<string> {
  /** The code the user enters, e.g. `ABCDEFGH`. */
  readonly userCode: string;
  /** Where the user enters it (the code is already filled in). */
  readonly verificationUri: string;
  /** The code's lifetime in seconds: Twitch's `expires_in`, at most 86400 (one day). */
  readonly expiresIn: number;
  /** The polling interval in seconds: Twitch's `interval`, within 1 to 600. */
  readonly interval: number;
  /** When the code expires, in epoch milliseconds. */
  readonly expiresAt: number;

  constructor(fields: DeviceCodeFields) {
    this.userCode = fields.userCode;
    this.verificationUri = fields.verificationUri;
    this.expiresIn = fields.expiresIn;
    this.interval = fields.interval;
    this.expiresAt = fields.expiresAt;
  }

  /** Yields `userCode`, then `verificationUri`. */
  *[Symbol.iterator](): Generator<string, void, undefined> {
    yield this.userCode;
    yield this.verificationUri;
  }
}
