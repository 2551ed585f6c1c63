import { AutogradError } from "../errors.js";

/** What an idle context holds: nothing (shared, and frozen so no one fills it). */
const NOTHING_SAVED: readonly unknown[] = Object.freeze([]);

/**
 * A saved value that in-place ops can overwrite — a Tensor, seen by its shape alone (the autodiff
 * layer imports no Tensor): its storage counts the in-place writes into it.
 */
interface Overwritable {
  readonly storage: { readonly version: number };
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** The storage version of a saved value that has one (a tensor), else undefined. */
function versionOf(v: unknown): number | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const version = (v as Partial<Overwritable>).storage?.version;
  return typeof version === "number" ? version : undefined;
}

/**
 * What a Function's forward leaves for its backward: the values it saved and which inputs need a
 * gradient, so backward can skip work (and avoid NaNs) for inputs that are constants.
 *
 * `S` is the tuple forward saves, written once per Function in both signatures — e.g.
 * `forward(ctx: Context<[a: Tensor, dim: number]>, …)` and `backward(ctx: Context<[a: Tensor,
 * dim: number]>, g)` — so `saveForBackward(a, dim)` is checked and `const [a, dim] =
 * ctx.savedValues` is typed. Left out, it is `readonly unknown[]`: untyped Functions still work.
 */
export class Context<S extends readonly unknown[] = readonly unknown[]> {
  #saved: S | null = null;
  /**
   * The storage version of each saved tensor when it was saved (by position; a hole where the
   * value is no tensor), or null when none is: what `checkVersions` compares with.
   */
  #versions: number[] | null = null;
  #released = false;
  #onRelease: (() => void)[] | null = null;
  /** True when no gradient will be asked for, so forward need not save anything. */
  readonly noGrad: boolean;
  /** `needsInputGrad[i]` is true when input i wants a derivative. */
  readonly needsInputGrad: readonly boolean[];

  constructor(noGrad = false, needsInputGrad: readonly boolean[] = []) {
    this.noGrad = noGrad;
    this.needsInputGrad = needsInputGrad;
  }

  /** Keep values for backward; does nothing when no gradient will be computed. */
  saveForBackward(...values: S): void {
    if (this.noGrad) return;
    this.#saved = values;
    let versions: number[] | null = null;
    for (let i = 0; i < values.length; i++) {
      const version = versionOf(values[i]);
      if (version === undefined) continue;
      versions ??= [];
      versions[i] = version;
    }
    this.#versions = versions;
  }

  /**
   * Throw PyTorch's AutogradError when a tensor `op` saved for backward has been overwritten in
   * place since (its storage's version moved on): its derivative would silently use the new
   * values. Backpropagation calls it before it runs `op`'s backward.
   */
  checkVersions(op: string): void {
    const versions = this.#versions;
    const saved = this.#saved;
    if (versions === null || saved === null) return;
    for (let i = 0; i < versions.length; i++) {
      const expected = versions[i];
      const now = versionOf(saved[i]);
      if (expected === undefined || now === expected) continue;
      const { shape, dtype } = saved[i] as Overwritable;
      throw new AutogradError(
        `${op}.backward: one of the variables needed for gradient computation has been modified by an inplace operation: [[${shape.join(", ")}], ${dtype}] is at version ${now}; expected version ${expected} instead (${op} saved it for backward, and an in-place op — add_, mul_, copy_, an optimizer step… — wrote into its memory since; do that op out of place, or clone() the tensor before it)`,
      );
    }
  }

  /**
   * Drop the saved values once backward has used them, as PyTorch frees a graph's buffers: the
   * tensors forward saved are then the program's alone, to keep or let go.
   */
  release(): void {
    this.#saved = null;
    this.#versions = null;
    this.#released = true;
    for (const callback of this.#onRelease ?? []) callback();
    this.#onRelease = null;
  }

  /** Run `callback` when `release` runs (the tensor layer frees what only this context held). */
  onRelease(callback: () => void): void {
    this.#onRelease ??= [];
    this.#onRelease.push(callback);
  }

  /** Whether `release` ran: backward cannot run through this context again. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * The values passed to `saveForBackward`, in order; empty when nothing was saved (always, for
   * an idle context). Only a context that saved has exactly `S`: the engine runs backward only
   * on contexts of tracked ops, whose forward saved what its backward reads.
   */
  get savedValues(): S {
    // The one unchecked step of the S protocol: "nothing saved" is typed as what forward saves.
    return this.#saved ?? (NOTHING_SAVED as S);
  }
}
