import { parseArgs } from "node:util";
import { UsageError } from "./io.js";

/** Parse a flag's value as a finite number, or explain which flag was wrong. */
export function numberFlag(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`--${flag} must be a number, got "${raw}"`);
  }
  return value;
}

/** Parse a flag's value as an integer ≥ `min`. */
export function integerFlag(
  flag: string,
  raw: string | undefined,
  fallback: number,
  min: number,
): number {
  const value = numberFlag(flag, raw, fallback);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${flag} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/** Parse a flag's value as a number > 0. */
export function positiveFlag(flag: string, raw: string | undefined, fallback: number): number {
  const value = numberFlag(flag, raw, fallback);
  if (!(value > 0)) throw new UsageError(`--${flag} must be greater than 0, got "${raw}"`);
  return value;
}

/** Require a positional argument to be one of `choices`, naming them all when it is not. */
export function choiceArgument<T extends string>(
  what: string,
  value: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`unknown ${what} "${value}"; choose one of ${choices.join(", ")}`);
  }
  return value as T;
}

/** Require the value of `--flag` to be one of `choices`, naming the flag and the choices. */
export function choiceFlag<T extends string>(
  flag: string,
  raw: string | undefined,
  fallback: T,
  choices: readonly T[],
): T {
  return choiceArgument(`--${flag}`, raw ?? fallback, choices);
}

/** A flag naming a file or folder: the fallback when absent; an empty value is a UsageError. */
export function pathFlag(flag: string, raw: string | undefined, fallback: string): string;
export function pathFlag(flag: string, raw: string | undefined): string | undefined;
export function pathFlag(
  flag: string,
  raw: string | undefined,
  fallback?: string,
): string | undefined {
  if (raw === undefined) return fallback;
  if (raw.trim() === "") throw new UsageError(`--${flag} needs a path, got "${raw}"`);
  return raw;
}

/** The flag table `parseArgs` takes. */
type FlagTable = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * `parseArgs` with two fixes for a CLI that takes numbers: `--x -1` means x = −1 (parseArgs
 * would call it ambiguous), and an unknown flag is a UsageError that lists the valid ones.
 */
export function parseCommandArgs<T extends FlagTable>(
  args: readonly string[],
  flags: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    const takesValue =
      name !== undefined && Object.hasOwn(flags, name) && flags[name].type === "string";
    if (takesValue && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i += 1;
    } else {
      joined.push(args[i]);
    }
  }
  try {
    return parseArgs({ args: joined, options: flags, allowPositionals: true, strict: true });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'([^']+)'/.exec((e as Error).message)?.[1] ?? "";
      const valid = Object.entries(flags).map(([n, f]) =>
        f.short ? `--${n} (-${f.short})` : `--${n}`,
      );
      throw new UsageError(`unknown option '${option}'; valid options: ${valid.join(", ")}`);
    }
    throw e;
  }
}
