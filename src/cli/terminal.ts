/** Minutes and seconds left, e.g. `29:58`. */
export function formatRemaining(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${String(Math.floor(seconds / 60))}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * A QR code of `text` in Unicode half blocks, two modules per character, light modules drawn in
 * the terminal's foreground (most terminals are light on dark; phone scanners read either way).
 * `uqr` is loaded only here: only an interactive `device` command draws one.
 */
export async function qrCode(text: string): Promise<string> {
  const { renderUnicodeCompact } = await import('uqr');
  return renderUnicodeCompact(text, { border: 1 });
}

/** A line that rewrites itself in a terminal (`\r` and erase line), for a live countdown. */
export function statusLine(text: string): string {
  return `\r\u001b[2K${text}`;
}
