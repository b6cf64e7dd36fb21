/**
 * Deactivated organisations and contacts are kept (history points at them) but never used;
 * absent `active` means active. Apart from directory.ts so that readers of the directory do
 * not bundle its schemas.
 */
export function isActive(entry: { readonly active?: boolean | undefined }): boolean {
  return entry.active !== false;
}
