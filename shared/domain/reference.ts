/** `KOR-2026-0042`: region code, year in the deployment's time zone, counter (4 digits or more). */
export function formatReference(regionCode: string, year: number, n: number): string {
  return `${regionCode}-${year}-${String(n).padStart(4, '0')}`;
}
