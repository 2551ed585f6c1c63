/**
 * A one-line progress bar for a terminal, redrawn in place with a carriage return:
 * `[██████░░░░░░]  50% 500/1000 loss 0.123`.
 */
export function progressBar(done: number, total: number, suffix: string, width = 24): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${percent} ${done}/${total} ${suffix}`;
}

/** Text that clears the current terminal line and returns the cursor to its start. */
export const CLEAR_LINE = "\r\x1b[K";
