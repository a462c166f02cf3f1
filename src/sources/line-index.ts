/**
 * Offsets to 1-based line and column, counting line ends as the sources split lines (\r\n, a lone
 * \r, \n). Built once per text; each lookup is a binary search.
 */
export function lineIndex(
  text: string,
  starts: readonly number[] = lineStarts(text),
): (offset: number) => { line: number; column: number } {
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  };
}

/** The offset where each line starts (index 0 is line 1). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  // Char codes, not a global regex: one match object per line adds up over a 300 KB module.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
