/** A response body, classified so that callers never meet a `SyntaxError`. @internal */
export type ParsedBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'empty' | 'html' | 'malformed' | 'too-large' }
  /** Sent in a content coding (`gzip`, …) although identity was asked for: refused unread. */
  | { readonly kind: 'compressed'; readonly encoding: string };

/** Classifies and parses a response body's text. @internal */
export function parseBody(text: string): ParsedBody {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('<')) return { kind: 'html' };
  try {
    return { kind: 'json', value: JSON.parse(trimmed) as unknown };
  } catch {
    return { kind: 'malformed' };
  }
}

/** Words for a body that is not the JSON a caller wanted, for error messages. @internal */
export function describeBody(body: ParsedBody): string {
  switch (body.kind) {
    case 'empty':
      return 'the body is empty';
    case 'html':
      return 'the body is an HTML page, not JSON';
    case 'malformed':
      return 'the body is not valid JSON';
    case 'too-large':
      return 'the body is larger than any answer Twitch sends';
    case 'compressed':
      return (
        `the body is compressed (${body.encoding}) although this library asks for none (Accept-Encoding: identity), ` +
        'so it was not decoded: Twitch does not do this; a proxy or server that does may be hostile'
      );
    case 'json':
      return 'the JSON does not have the expected shape';
  }
}
