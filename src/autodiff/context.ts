/**
 * What a Function's forward leaves for its backward: the values it saved and which inputs need a
 * gradient, so backward can skip work (and avoid NaNs) for inputs that are constants.
 */
export class Context {
  #saved: readonly unknown[] = [];
  /** True when no gradient will be asked for, so forward need not save anything. */
  readonly noGrad: boolean;
  /** `needsInputGrad[i]` is true when input i wants a derivative. */
  readonly needsInputGrad: readonly boolean[];

  constructor(noGrad = false, needsInputGrad: readonly boolean[] = []) {
    this.noGrad = noGrad;
    this.needsInputGrad = needsInputGrad;
  }

  /** Keep values for backward; does nothing when no gradient will be computed. */
  saveForBackward(...values: unknown[]): void {
    if (!this.noGrad) this.#saved = values;
  }

  /** The values passed to `saveForBackward`, in order. */
  get savedValues(): readonly unknown[] {
    return this.#saved;
  }
}
