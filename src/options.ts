/**
 * Run-time checks of options objects. JavaScript callers have no type checker, so an option that
 * is misspelt, or one PyTorch has that minitorch does not implement yet (`dilation: 2`), would
 * otherwise be ignored: a silent wrong answer. Each function declares one check per key of its
 * options interface — `OptionChecks<T>` makes the compiler hold the two in step — and
 * `checkOptions` rejects anything but a plain object, an unknown key, or a value a check refuses,
 * with a `DataError` naming the function, the key and the value, and listing the accepted keys.
 */
import { DataError } from "./errors.js";

/** What is wrong with an option's value (`"must be true or false"`), or null when it is accepted. */
export type OptionCheck = (value: unknown) => string | null;

/**
 * One check per option of `T`, optional ones included: the accepted keys are this object's keys,
 * so an option added to the interface does not compile until it has a check, and a check for a
 * key the interface lacks is an excess property (annotate the object with this type).
 */
export type OptionChecks<T> = { readonly [K in keyof T]-?: OptionCheck };

/** A value as a message shows it: `2`, `"same"`, `[1, 2]`, `null`, `a Tensor`, `a function`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(value);
}

/** Whether `value` is an object literal's kind of object (not an array, a Tensor, a typed array). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks the options object `fn` was given against `checks`, and returns it (an empty object when
 * it is undefined, so a required option then reaches its own check as undefined). A key whose
 * value is undefined counts as omitted, as TypeScript's optional properties do.
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
  checks: OptionChecks<T>,
): T {
  if (options === undefined) return {} as T;
  const table: Readonly<Record<string, OptionCheck>> = checks;
  if (!isPlainObject(options)) {
    fail(fn, table, `expected an options object, got ${describeValue(options)}`);
  }
  // for…in rather than Object.entries, and no closure: Scalar ops build an options object per
  // result, and this loop allocates nothing. A plain object inherits no enumerable keys.
  for (const key in options) {
    const value: unknown = options[key];
    const check = Object.hasOwn(table, key) ? table[key] : undefined;
    if (check === undefined) fail(fn, table, `unknown option ${key} (${describeValue(value)})`);
    const problem = value === undefined ? null : check(value);
    if (problem !== null) fail(fn, table, `option ${key} ${problem}, got ${describeValue(value)}`);
  }
  return options;
}

/** Throws the DataError of `checkOptions`, listing the accepted keys. */
function fail(fn: string, table: Readonly<Record<string, OptionCheck>>, problem: string): never {
  throw new DataError(`${fn}: ${problem}; accepted options: ${Object.keys(table).join(", ")}`);
}

/** Accepts any value: the function checks this option where it uses it (a range, a name). */
export const checkedWhereUsed: OptionCheck = () => null;

/** true or false (a string such as "false" would otherwise read as true). */
export const isBoolean: OptionCheck = (v) =>
  typeof v === "boolean" ? null : "must be true or false";

/** A string. */
export const isString: OptionCheck = (v) => (typeof v === "string" ? null : "must be a string");

/** A function. */
export const isFunction: OptionCheck = (v) =>
  typeof v === "function" ? null : "must be a function";

/** An integer ≥ 1. */
export const isPositiveInteger: OptionCheck = (v) =>
  Number.isInteger(v) && (v as number) >= 1 ? null : "must be a positive integer";

/** A finite number > 0. */
export const isPositiveNumber: OptionCheck = (v) =>
  typeof v === "number" && v > 0 && Number.isFinite(v) ? null : "must be a positive number";

/** A finite number ≥ 0. */
export const isNonNegativeNumber: OptionCheck = (v) =>
  typeof v === "number" && v >= 0 && Number.isFinite(v) ? null : "must be a number ≥ 0";

/** An instance of `type`, called `name` in the message ("a Random"). */
export function instanceOf(
  type: abstract new (...args: never[]) => unknown,
  name: string,
): OptionCheck {
  return (v) => (v instanceof type ? null : `must be ${name}`);
}

/** `a` and `b` equal, arrays element by element (options hold numbers, pairs, strings). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  return a === b;
}

/**
 * An option PyTorch has that minitorch implements only at `supported` (its default, or values
 * that compute the same): any other value is refused as not supported yet, never ignored.
 */
export function notSupportedYet(...supported: readonly unknown[]): OptionCheck {
  return (v) =>
    supported.some((x) => sameValue(v, x))
      ? null
      : `is not supported yet (only ${supported.map(describeValue).join(" or ")})`;
}
