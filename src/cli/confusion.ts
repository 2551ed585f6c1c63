/**
 * A confusion matrix: counts[t][p] = how many examples of true class t were predicted as p.
 * The diagonal holds the correct predictions.
 */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  if (truth.length !== predicted.length) {
    throw new RangeError(
      `confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`,
    );
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) counts[truth[i]][predicted[i]] += 1;
  return counts;
}

/** The matrix as text: a header of predicted classes, one row per true class, recall at the end. */
export function formatConfusion(counts: number[][], labels?: readonly string[]): string {
  const n = counts.length;
  const names = labels ?? counts.map((_, i) => String(i));
  const width = Math.max(5, ...counts.flat().map((c) => String(c).length + 1));
  const nameWidth = Math.max(...names.map((s) => s.length), "true".length);
  const cell = (s: string | number): string => String(s).padStart(width);
  const lines = [
    `${"".padEnd(nameWidth)}  predicted →`,
    `${"true".padEnd(nameWidth)} ${names.map((s) => cell(s.slice(0, width - 1))).join("")}  recall`,
  ];
  for (let t = 0; t < n; t++) {
    const total = counts[t].reduce((a, b) => a + b, 0);
    const recall = total === 0 ? "   -" : `${((100 * counts[t][t]) / total).toFixed(1)}%`;
    lines.push(`${names[t].padEnd(nameWidth)} ${counts[t].map(cell).join("")}  ${recall}`);
  }
  return `${lines.join("\n")}\n`;
}
