/** What an idle context holds: nothing (shared, and frozen so no one fills it). */
const NOTHING_SAVED: readonly unknown[] = Object.freeze([]);

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
    if (!this.noGrad) this.#saved = values;
  }

  /**
   * Drop the saved values once backward has used them, as PyTorch frees a graph's buffers: the
   * tensors forward saved are then the program's alone, to keep or let go.
   */
  release(): void {
    this.#saved = null;
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
