/**
 * Checks a credential or token argument: a non-empty string without whitespace or control
 * characters (which would corrupt a header or form). The message names the argument, never its value.
 * @internal
 */
export function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string; got ${value === '' ? 'an empty string' : typeof value}.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(
      `${name} must not contain spaces, line breaks or control characters; check how it was read or pasted.`,
    );
  }
  return value;
}
