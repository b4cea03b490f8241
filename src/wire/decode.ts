import type { z } from 'zod';
import { UnexpectedResponseError } from '../errors/unexpected-response-error.js';
import type { TwitchReply } from '../http/client.js';
import { describeBody } from '../http/parse-body.js';

/**
 * Reads a successful answer's body through its schema, or throws `UnexpectedResponseError`
 * describing what was wrong. zod 4 issues carry paths and expectations, never the input, so no
 * token from the body reaches the error.
 */
export function decodeReply<Schema extends z.ZodType>(
  reply: TwitchReply,
  schema: Schema,
  /** A sentence added to the problem, e.g. what the refusal means for a refresh token that was spent. */
  consequence?: string,
): z.output<Schema> {
  const details = { status: reply.status, endpoint: reply.endpoint };
  const withConsequence = (problem: string): string =>
    consequence === undefined ? problem : `${problem}. ${consequence.replace(/\.$/, '')}`;
  if (reply.body.kind !== 'json') {
    throw new UnexpectedResponseError({ ...details, problem: withConsequence(describeBody(reply.body)) });
  }
  const parsed = schema.safeParse(reply.body.value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? 'body' : issue.path.join('.')}: ${issue.message}`);
  throw new UnexpectedResponseError({
    ...details,
    problem: withConsequence(`${describeBody(reply.body)} (${problems.join('; ')})`),
  });
}
