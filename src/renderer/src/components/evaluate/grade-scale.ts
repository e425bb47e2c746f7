/** What each grade means, as the curator is asked to judge (0 = unrelated … 5 = same subject). */
export const GRADE_NAMES: readonly string[] = [
  'Unrelated',
  'Barely related',
  'Somewhat related',
  'Related',
  'Very similar',
  'Same subject',
];

export function gradeName(grade: number): string {
  return GRADE_NAMES[grade] ?? String(grade);
}
