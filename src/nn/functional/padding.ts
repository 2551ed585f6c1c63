import { DataError, ShapeError } from "../../errors.js";
import { checkOptions, describeValue, type OptionCheck, type OptionChecks } from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { full } from "../../tensor/creation.js";
import { cat } from "../../tensor/joining.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Padding, as `torch.nn.functional.pad`: `pad` lists (before, after) pairs from the last dim
 * backwards. "constant" concatenates blocks of `value` (negative padding crops, with `narrow`);
 * "reflect", "replicate" and "circular" gather the source positions with `indexSelect`, so the
 * gradient of a padded cell flows back to the cell it copies.
 */

/** How `pad` fills the new cells. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** Options of `pad`. */
export interface PadOptions {
  /** "constant" (default), "reflect" (mirror, edge not repeated), "replicate" (edge), "circular". */
  mode?: PadMode;
  /** The fill of "constant" mode (0 by default). */
  value?: number;
}

const modes: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];
const isMode: OptionCheck = (v) =>
  modes.includes(v as PadMode) ? null : `must be one of ${modes.map((m) => `"${m}"`).join(", ")}`;
const isNumber: OptionCheck = (v) => (typeof v === "number" ? null : "must be a number");

const padChecks: OptionChecks<PadOptions> = { mode: isMode, value: isNumber };

/** The source position along a dim of size n of padded position i (−before ≤ i < n + after). */
function source(mode: Exclude<PadMode, "constant">, i: number, n: number): number {
  if (mode === "replicate") return Math.min(Math.max(i, 0), n - 1);
  if (mode === "circular") return ((i % n) + n) % n;
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/** Checks a non-constant mode's padding of `before`, `after` for a dim of size n. */
function checkWrap(mode: PadMode, before: number, after: number, n: number, dim: number): void {
  const most = Math.max(before, after);
  const fits = mode === "reflect" ? most < n : mode === "circular" ? most <= n : n > 0 || most <= 0;
  if (!fits || n + before + after <= 0) {
    const rule = mode === "reflect" ? "less than" : mode === "circular" ? "at most" : "with";
    throw new DataError(
      `pad: ${mode} padding (${before}, ${after}) of dim ${dim} must be ${rule} its size ${n}${mode === "replicate" ? " > 0" : ""}`,
    );
  }
}

/** Pads (or with negative amounts crops) `x` by `pad`, pairs from the last dim backwards. */
export function pad(x: Tensor, pad: readonly number[], options?: PadOptions): Tensor {
  const { mode = "constant", value = 0 } = checkOptions("pad", options, padChecks);
  if (!(x instanceof Tensor))
    throw new DataError(`pad: expected a Tensor, got ${describeValue(x)}`);
  if (!Array.isArray(pad) || pad.length % 2 !== 0 || !pad.every(Number.isInteger)) {
    throw new DataError(
      `pad: pad must be a list of an even number of integers, got ${describeValue(pad)}`,
    );
  }
  if (pad.length / 2 > x.ndim) {
    throw new ShapeError(
      `pad: ${pad.length} padding values (${pad.length / 2} dims) for an input of shape ${formatShape(x.shape)}`,
    );
  }
  if (mode !== "constant" && value !== 0) {
    throw new DataError(`pad: mode "${mode}" takes no value (got ${value})`);
  }
  let out = x;
  for (let j = 0; j < pad.length / 2; j++) {
    const dim = x.ndim - 1 - j;
    const [before, after] = [pad[2 * j], pad[2 * j + 1]];
    if (before === 0 && after === 0) continue;
    const n = out.shape[dim];
    if (mode === "constant") {
      if (n + before + after < 0) {
        throw new ShapeError(
          `pad: padding (${before}, ${after}) of dim ${dim} of size ${n} leaves a negative size`,
        );
      }
      out = out.narrow(dim, Math.max(-before, 0), n - Math.max(-before, 0) - Math.max(-after, 0));
      const block = (size: number) => {
        const shape = out.shape.map((s, i) => (i === dim ? size : s));
        return full(shape, value, { dtype: out.dtype, backend: out.backend });
      };
      const parts = [
        ...(before > 0 ? [block(before)] : []),
        out,
        ...(after > 0 ? [block(after)] : []),
      ];
      out = parts.length === 1 ? out : cat(parts, dim);
    } else {
      checkWrap(mode, before, after, n, dim);
      const positions = Array.from({ length: n + before + after }, (_, i) =>
        source(mode, i - before, n),
      );
      out = out.indexSelect(
        dim,
        Tensor.fromValues(positions, [positions.length], "int32", out.backend),
      );
    }
  }
  return out === x ? x.clone() : out;
}
