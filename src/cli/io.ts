/** What a CLI command reads and writes: the process's, or a test's. */
export interface CliIo {
  /** The requested output (tokens, JSON): nothing else goes here. */
  readonly stdout: (text: string) => void;
  /** Progress, prompts and errors, never a secret. */
  readonly stderr: (text: string) => void;
  /** All of standard input, for `-` arguments when stdin is a pipe. */
  readonly readStdin: () => Promise<string>;
  /**
   * Asks for a secret on the terminal (the prompt on stderr, nothing echoed) and resolves with
   * the line typed; `undefined` when stdin is not a terminal (then {@link readStdin} is used).
   */
  readonly readHidden: ((prompt: string) => Promise<string>) | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (QR code, live countdown) rather than a pipe or a log. */
  readonly interactive: boolean;
  /** Resolves when the user asks to stop (Ctrl+C, SIGTERM). */
  readonly interrupted: Promise<void>;
}
