// Types for the docs generator, so the test that keeps README.md in step can import it.
export function rulesTable(
  rules: ReadonlyArray<{ id: string; category: string; severity: string; appliesTo: string; title: string }>,
): string;
export function predicatesTable(predicates: Readonly<Record<string, { description: string }>>): string;
export function withTable(readme: string, table: string, start?: string, end?: string): string;
export const PREDICATES_START: string;
export const PREDICATES_END: string;
