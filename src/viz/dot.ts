import type { Drawable, Variable } from "../autodiff/variable.js";
import { AutogradError } from "../errors.js";

/** Escape text for a Graphviz record label, where `{ } | < > "` and `\` are syntax. */
function escapeRecord(text: string): string {
  return text.replace(/[{}|<>"\\]/g, (c) => `\\${c}`);
}

function isDrawable(v: Variable): v is Drawable {
  return typeof (v as Partial<Drawable>).summary === "function";
}

/**
 * The computation graph behind `root` as Graphviz DOT (`dot -Tsvg`): one record node per value,
 * showing its label (op or name), value and derivative, with an edge from each input to the value
 * computed from it. Constants are drawn too, dashed, because they explain the values.
 */
export function toDot(root: Drawable): string {
  const lines = [
    "digraph minitorch {",
    "  rankdir=LR;",
    '  node [shape=record, fontname="Helvetica", fontsize=11];',
  ];
  const seen = new Set<number>();
  const stack: Variable[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v.uniqueId)) continue;
    seen.add(v.uniqueId);
    if (v.history?.ctx.released) {
      // Drawing only what is left would be a silently wrong picture of the graph.
      throw new AutogradError(
        "toDot: backward() released this graph as it ran; call backward({retainGraph: true}) (backward(1, {retainGraph: true}) for a Scalar) to draw the graph afterwards",
      );
    }
    const s = isDrawable(v) ? v.summary() : { label: "?", value: "?", derivative: null };
    const fields = [s.label, `value ${s.value}`, `grad ${s.derivative ?? "–"}`].map(escapeRecord);
    const style = v.requiresGrad ? "" : ", style=dashed";
    lines.push(`  n${v.uniqueId} [label="{${fields.join(" | ")}}"${style}];`);
    for (const input of v.history?.inputs ?? []) {
      lines.push(`  n${input.uniqueId} -> n${v.uniqueId};`);
      stack.push(input);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
