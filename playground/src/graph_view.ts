import * as mt from "../../src/index.js";

/**
 * A Scalar computation graph drawn as inline SVG: one box per value (its op, value and
 * derivative), laid out in layers from the inputs (left) to the output (right), with an arrow
 * from each input to the value computed from it. It walks the graph as `mt.viz.toDot` does, through
 * public members only (`uniqueId`, `history.inputs`), but builds SVG elements instead of DOT.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_WIDTH = 116;
const NODE_HEIGHT = 62;
const COLUMN_STEP = NODE_WIDTH + 64;
const ROW_STEP = NODE_HEIGHT + 18;
const PAD = 14;

/** One value in the graph, ready to draw. */
export interface GraphNode {
  /** The Scalar's `uniqueId`. */
  readonly id: number;
  /** What `data-op` says: the op (`add`, `mul`, `exp`, …), `input` for a variable, `const`. */
  readonly op: string;
  /** The box's first line: the op, the variable's name, or the constant's value. */
  readonly title: string;
  readonly value: number;
  /** d(output)/d(this node), or null where no derivative flows (constants). */
  readonly derivative: number | null;
  /** The ids of the node's inputs, in argument order (repeated when an input is used twice). */
  readonly inputs: readonly number[];
  /** Longest path from an input: 0 for inputs and constants, the output has the largest. */
  readonly layer: number;
  /** Whether this is the value the graph was drawn from. */
  readonly output: boolean;
}

/**
 * The ops by Function class rather than by `fn.name`: a minified build renames classes, so the
 * name alone would show `e` or `t` in the built playground.
 */
const opNames = new Map<object, string>([
  [mt.scalar.Add, "add"],
  [mt.scalar.Mul, "mul"],
  [mt.scalar.Inv, "inv"],
  [mt.scalar.Neg, "neg"],
  [mt.scalar.Sigmoid, "sigmoid"],
  [mt.scalar.ReLU, "relu"],
  [mt.scalar.Log, "log"],
  [mt.scalar.Exp, "exp"],
  [mt.scalar.LT, "lt"],
  [mt.scalar.EQ, "eq"],
  [mt.scalar.Pow, "pow"],
]);

/** A number to 3 significant digits; integers in full while they stay short. */
export function formatSignificant(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  return String(Number(x.toPrecision(3)));
}

function opOf(s: mt.Scalar): string {
  if (s.history !== null) return opNames.get(s.history.fn) ?? s.history.fn.name.toLowerCase();
  return s.requiresGrad ? "input" : "const";
}

function titleOf(s: mt.Scalar, op: string): string {
  if (op === "input") return s.name ?? "input";
  if (op === "const") return formatSignificant(s.data);
  return op;
}

/**
 * Every value `root` was computed from, inputs before the values made from them (a post-order
 * walk, left argument first, so `x` comes before `y` in `x * y`), each with its layer.
 */
export function collectGraph(root: mt.Scalar): GraphNode[] {
  const nodes = new Map<number, GraphNode>();
  // Iterative post-order: deep expressions (a long chain of `+`) must not overflow the stack.
  const stack: { scalar: mt.Scalar; expanded: boolean }[] = [{ scalar: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const s = top.scalar;
    if (nodes.has(s.uniqueId)) continue;
    const inputs = (s.history?.inputs ?? []).filter((v): v is mt.Scalar => v instanceof mt.Scalar);
    if (!top.expanded) {
      stack.push({ scalar: s, expanded: true });
      for (const input of [...inputs].reverse()) {
        if (!nodes.has(input.uniqueId)) stack.push({ scalar: input, expanded: false });
      }
      continue;
    }
    const layer = inputs.reduce((m, v) => Math.max(m, (nodes.get(v.uniqueId)?.layer ?? 0) + 1), 0);
    const op = opOf(s);
    nodes.set(s.uniqueId, {
      id: s.uniqueId,
      op,
      title: titleOf(s, op),
      value: s.data,
      derivative: s.derivative,
      inputs: inputs.map((v) => v.uniqueId),
      layer,
      output: s === root,
    });
  }
  return [...nodes.values()];
}

interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
}

/**
 * Positions: one column per layer; within a column, nodes sorted by the mean row of their inputs
 * (a single barycenter pass, which keeps edges from crossing in most small expressions).
 */
function layout(nodes: readonly GraphNode[]): {
  placed: Map<number, Placed>;
  w: number;
  h: number;
} {
  // Longest-path layers are contiguous: a node in layer k > 0 has an input in layer k − 1.
  const depth = Math.max(...nodes.map((n) => n.layer)) + 1;
  const columns = Array.from({ length: depth }, (): GraphNode[] => []);
  for (const n of nodes) columns[n.layer].push(n);
  const row = new Map<number, number>();
  columns.forEach((column, layer) => {
    if (layer > 0) {
      const center = (n: GraphNode): number =>
        n.inputs.reduce((sum, id) => sum + (row.get(id) ?? 0), 0) / Math.max(1, n.inputs.length);
      column.sort((a, b) => center(a) - center(b));
    }
    column.forEach((n, i) => {
      row.set(n.id, i - (column.length - 1) / 2);
    });
  });
  const tallest = Math.max(...columns.map((c) => c.length));
  const h = PAD * 2 + (tallest - 1) * ROW_STEP + NODE_HEIGHT;
  const w = PAD * 2 + (columns.length - 1) * COLUMN_STEP + NODE_WIDTH;
  const placed = new Map<number, Placed>();
  for (const n of nodes) {
    const x = PAD + n.layer * COLUMN_STEP;
    const y = h / 2 + (row.get(n.id) ?? 0) * ROW_STEP - NODE_HEIGHT / 2;
    placed.set(n.id, { node: n, x, y });
  }
  return { placed, w, h };
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function arrowMarker(): SVGDefsElement {
  const defs = el("defs", {});
  const marker = el("marker", {
    id: "graph-arrow",
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  defs.append(marker);
  return defs;
}

function describe(n: GraphNode): string {
  const d =
    n.derivative === null ? "no derivative" : `derivative ${formatSignificant(n.derivative)}`;
  const what = n.op === "input" ? `input ${n.title}` : n.op === "const" ? "constant" : n.op;
  return `${what}${n.output ? " (output)" : ""}: value ${formatSignificant(n.value)}, ${d}`;
}

function drawNode(p: Placed): SVGGElement {
  const n = p.node;
  const g = el("g", {
    class: `node${n.output ? " output" : ""}`,
    "data-op": n.op,
    "data-value": n.value,
    "data-derivative": n.derivative ?? "",
    transform: `translate(${p.x} ${p.y})`,
    role: "img",
    "aria-label": describe(n),
  });
  g.append(el("rect", { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 7 }));
  const cx = NODE_WIDTH / 2;
  g.append(el("text", { x: cx, y: 18, class: "node-title" }, n.title));
  g.append(
    el("text", { x: cx, y: 36, class: "node-value" }, `value ${formatSignificant(n.value)}`),
  );
  const grad = n.derivative === null ? "–" : formatSignificant(n.derivative);
  g.append(el("text", { x: cx, y: 53, class: "node-grad" }, `grad ${grad}`));
  return g;
}

/** An edge from the right side of `from` to a port on the left side of `to` (one per argument). */
function drawEdge(from: Placed, to: Placed, index: number, count: number): SVGPathElement {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  const x2 = to.x - 1;
  const y2 = to.y + (NODE_HEIGHT * (index + 1)) / (count + 1);
  const bend = Math.max(24, (x2 - x1) / 2);
  return el("path", {
    class: "edge",
    d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
    "marker-end": "url(#graph-arrow)",
  });
}

/**
 * Replace what `svg` shows with the graph behind `root`. The SVG scales to its container (viewBox,
 * width 100%) but never past its natural size, so a one-node graph does not fill the screen, and
 * never below 60% of it, so a wide graph scrolls in its frame on a phone rather than shrinking.
 */
export function renderGraph(svg: SVGSVGElement, root: mt.Scalar): GraphNode[] {
  const nodes = collectGraph(root);
  const { placed, w, h } = layout(nodes);
  svg.replaceChildren(arrowMarker());
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", "100%");
  svg.style.maxWidth = `${w}px`;
  // Below 60% the labels get too small to read: the frame scrolls sideways instead.
  svg.style.minWidth = `${Math.round(w * 0.6)}px`;
  const edges = el("g", { class: "edges" });
  for (const p of placed.values()) {
    p.node.inputs.forEach((id, i) => {
      const from = placed.get(id);
      if (from !== undefined) edges.append(drawEdge(from, p, i, p.node.inputs.length));
    });
  }
  svg.append(edges, ...[...placed.values()].map(drawNode));
  return nodes;
}
