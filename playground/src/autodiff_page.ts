import "./autodiff.css";
import * as mt from "../../src/index.js";
import { formatSignificant, type GraphNode, renderGraph } from "./graph_view.js";

/**
 * The Autodiff page: type an expression of Scalars, set its variables, and see its computation
 * graph with every node's value and derivative, recomputed on every keystroke. Bad input shows an
 * inline error (with a caret under the column for a parse error) and never throws.
 */

const DEFAULT_EXPRESSION = "x * y + exp(x)";
const DEFAULT_VALUE = 1;

const TEMPLATE = `
  <h2 id="autodiff-title">Autodiff</h2>
  <p class="autodiff-intro">
    Type an expression of scalars and set its variables: the graph shows how it is computed, each
    node with its value and the derivative of the output with respect to it (after
    <code>backward()</code>).
  </p>
  <div class="autodiff-controls">
    <div class="expression-field">
      <label for="expression">Expression</label>
      <input id="expression" type="text" spellcheck="false" autocomplete="off"
        autocapitalize="off" aria-describedby="expression-help expression-error" />
      <small id="expression-help">
        <code>+ - * / ^</code>, <code>&lt; &gt; ==</code>, parentheses, and
        <code>exp log sigmoid relu neg</code>
      </small>
    </div>
    <div class="variables" role="group" aria-label="Variables">
      <div class="variable"><label for="x">x</label><input id="x" type="number" step="any" /></div>
      <div class="variable"><label for="y">y</label><input id="y" type="number" step="any" /></div>
      <span id="extra-variables" class="extra-variables"></span>
    </div>
  </div>
  <div id="expression-error" class="error" aria-live="polite"></div>
  <p id="graph-summary" class="graph-summary" aria-live="polite"></p>
  <div class="graph-frame">
    <svg id="graph" xmlns="http://www.w3.org/2000/svg" role="group"
      aria-label="Computation graph"></svg>
  </div>
`;

function required<T extends HTMLElement>(root: HTMLElement, selector: string): T {
  const e = root.querySelector<T>(selector);
  if (e === null) throw new Error(`autodiff page: ${selector} is missing from its template`);
  return e;
}

/**
 * A parse error as the expression with a caret under the offending column (monospace, kept on
 * its lines so the caret lines up) and the message below it (wrapping on a narrow screen).
 */
function caretMessage(source: string, error: mt.ParseError): Node[] {
  const column = Math.max(0, Math.min(error.position, source.length));
  const caret = document.createElement("pre");
  caret.className = "error-caret";
  caret.textContent = `${source}\n${" ".repeat(column)}^`;
  return [caret, message(error.message)];
}

function message(text: string): HTMLElement {
  const p = document.createElement("span");
  p.className = "error-message";
  p.textContent = text;
  return p;
}

/** Mount the Autodiff page into `root` (its `<section>`), showing the default expression. */
export function mountAutodiff(root: HTMLElement): void {
  root.innerHTML = TEMPLATE;
  const expression = required<HTMLInputElement>(root, "#expression");
  const xInput = required<HTMLInputElement>(root, "#x");
  const yInput = required<HTMLInputElement>(root, "#y");
  const extra = required<HTMLElement>(root, "#extra-variables");
  const errorBox = required<HTMLElement>(root, "#expression-error");
  const summary = required<HTMLElement>(root, "#graph-summary");
  const found = root.querySelector<SVGSVGElement>("#graph");
  if (found === null) throw new Error("autodiff page: #graph is missing from its template");
  const svg: SVGSVGElement = found;

  expression.value = DEFAULT_EXPRESSION;
  xInput.value = "2";
  yInput.value = "3";
  // Values of variables other than x and y, kept while they leave and re-enter the expression.
  const extraValues = new Map<string, string>();
  let extraNames: string[] = [];

  /** One number input per variable other than x and y, rebuilt only when the set changes. */
  function syncExtraInputs(names: readonly string[]): void {
    const wanted = names.filter((n) => n !== "x" && n !== "y");
    if (wanted.join(",") === extraNames.join(",")) return;
    extraNames = wanted;
    extra.replaceChildren(
      ...wanted.map((name) => {
        const box = document.createElement("div");
        box.className = "variable";
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.id = `var-${name}`;
        input.type = "number";
        input.step = "any";
        input.dataset.variable = name;
        input.value = extraValues.get(name) ?? String(DEFAULT_VALUE);
        label.htmlFor = input.id;
        label.textContent = name;
        box.append(label, input);
        return box;
      }),
    );
  }

  function inputFor(name: string): HTMLInputElement | null {
    if (name === "x") return xInput;
    if (name === "y") return yInput;
    return extra.querySelector<HTMLInputElement>(`#var-${name}`);
  }

  function showError(content: Node[]): void {
    errorBox.replaceChildren(...content);
    expression.setAttribute("aria-invalid", "true");
    // Keep the last good graph, dimmed, so the learner still sees what they had.
    svg.classList.add("stale");
    summary.textContent = "";
  }

  function clearError(): void {
    errorBox.replaceChildren();
    expression.removeAttribute("aria-invalid");
    svg.classList.remove("stale");
  }

  function showSummary(nodes: readonly GraphNode[]): void {
    const output = nodes.find((n) => n.output);
    if (output === undefined) return;
    const inputs = nodes.filter((n) => n.op === "input");
    const parts = inputs.map((n) =>
      n.derivative === null ? "" : `∂f/∂${n.title} = ${formatSignificant(n.derivative)}`,
    );
    summary.textContent = [`f = ${formatSignificant(output.value)}`, ...parts]
      .filter((p) => p !== "")
      .join(" · ");
  }

  function update(): void {
    const source = expression.value;
    let parsed: mt.Expression;
    try {
      parsed = mt.parseExpression(source);
    } catch (e) {
      showError(e instanceof mt.ParseError ? caretMessage(source, e) : [message(String(e))]);
      return;
    }
    const names = mt.expressionVariables(parsed);
    syncExtraInputs(names);
    const values: Record<string, mt.Scalar> = {};
    for (const name of names) {
      const input = inputFor(name);
      const value = input?.valueAsNumber ?? Number.NaN;
      if (Number.isNaN(value)) {
        showError([message(`${name}: enter a number`)]);
        return;
      }
      values[name] = new mt.Scalar(value, { name });
    }
    try {
      const result = mt.evaluateExpression(parsed, values);
      // A constant expression (`2 * 3`) has nothing to differentiate: draw it without derivatives.
      // The graph is drawn after backward, so backward must not release it.
      if (result.requiresGrad) result.backward(1, { retainGraph: true });
      clearError();
      showSummary(renderGraph(svg, result));
    } catch (e) {
      if (e instanceof mt.ParseError) showError(caretMessage(source, e));
      else showError([message(e instanceof Error ? e.message : String(e))]);
    }
  }

  expression.addEventListener("input", update);
  xInput.addEventListener("input", update);
  yInput.addEventListener("input", update);
  extra.addEventListener("input", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.dataset.variable !== undefined) {
      extraValues.set(target.dataset.variable, target.value);
    }
    update();
  });
  update();
}
