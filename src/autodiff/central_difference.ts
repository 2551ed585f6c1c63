/**
 * The central-difference estimate of ∂f/∂x_arg at `vals`:
 * (f(…, x_arg + ε, …) − f(…, x_arg − ε, …)) / 2ε, accurate to O(ε²).
 * @task 1.1
 */
export function centralDifference(
  f: (...xs: number[]) => number,
  vals: readonly number[],
  arg = 0,
  epsilon = 1e-6,
): number {
  const plus = [...vals];
  const minus = [...vals];
  plus[arg] += epsilon;
  minus[arg] -= epsilon;
  return (f(...plus) - f(...minus)) / (2 * epsilon);
}
