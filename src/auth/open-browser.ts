/** What became of the attempt to open a browser. */
export type BrowserOutcome = 'opened' | 'no-display' | 'failed';

/**
 * Whether a browser window can be shown here. On Linux and the BSDs that needs an X or Wayland
 * display (or WSL, which opens the Windows browser); an SSH session without a forwarded display
 * cannot show one anywhere the user sees it. `open` would "succeed" in these cases and nothing
 * would appear, so the URL is printed instead.
 */
export function canShowBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  const hasDisplay = Boolean(env['DISPLAY'] ?? env['WAYLAND_DISPLAY']);
  if (!hasDisplay && (env['SSH_CONNECTION'] !== undefined || env['SSH_TTY'] !== undefined)) return false;
  if (platform === 'darwin' || platform === 'win32') return true;
  return hasDisplay || env['WSL_DISTRO_NAME'] !== undefined;
}

/**
 * Opens the URL with the `open` package, loaded only now (a login is the only path that needs it).
 * A browser named by the caller is always tried; otherwise the default browser is tried only where
 * one can be shown. Never throws: a failure is an outcome, and the caller then prints the URL.
 */
export async function openBrowser(
  url: string,
  browser: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<BrowserOutcome> {
  if (browser === undefined && !canShowBrowser(env, platform)) return 'no-display';
  try {
    const { default: open } = await import('open');
    const child = await open(url, browser === undefined ? {} : { app: { name: browser } });
    // A late launcher error must not become an uncaught 'error' event.
    child.on('error', () => undefined);
    return 'opened';
  } catch {
    return 'failed';
  }
}
