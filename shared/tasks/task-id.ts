import { createHash } from 'node:crypto';

/**
 * A task id made from what the task is (case, kind, cycle, repeat): a step run again, or a
 * stage execution continued in a new one, opens the same task instead of a second one. The
 * SHA-256 of the parts, laid out as a version-4 UUID (the shape every task id has).
 */
export function taskIdFor(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256')
    .update(`bashke/task/v1\u0000${parts.join('\u0000')}`)
    .digest();
  h.writeUInt8((h.readUInt8(6) & 0x0f) | 0x40, 6);
  h.writeUInt8((h.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
