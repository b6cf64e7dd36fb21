import type * as z from 'zod';
import type { FieldIssue } from '../errors';

/** RFC 6901 JSON Pointer for a zod issue path. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Field issues from a zod error, safe to show: the path and the issue code only. An
 * unrecognized key's name is caller input, so it is not echoed: the issue points at the
 * object that holds it. (Identity keys we name ourselves are reported by the caller.)
 */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: jsonPointer(issue.path), code: issue.code }));
}
