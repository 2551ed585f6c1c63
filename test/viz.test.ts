import { describe, expect, it } from "vitest";
import { Scalar } from "../src/scalar/scalar.js";
import { toDot } from "../src/viz/dot.js";

describe("toDot", () => {
  it("draws one node per value and one edge per input, with values and derivatives", () => {
    const x = new Scalar(3, { name: "x" });
    const y = x.mul(x).add(1); // x·x shares x: two edges from x into Mul
    y.backward(1, { retainGraph: true }); // drawn afterwards: keep the graph
    const dot = toDot(y);
    const nodes = dot.split("\n").filter((l) => l.includes("[label="));
    const edges = dot.split("\n").filter((l) => l.includes("->"));
    expect(nodes).toHaveLength(3 + 1); // x, Mul, Add and the constant 1
    expect(edges).toHaveLength(4); // x→Mul twice, Mul→Add, 1→Add
    expect(dot).toContain("{x | value 3 | grad 6}");
    expect(dot).toContain("{Add | value 10 | grad 1}");
    expect(dot).toMatch(/\{const \| value 1 \| grad –\}", style=dashed/);
  });

  it("escapes record syntax in labels", () => {
    const x = new Scalar(1, { name: "a|b{c}" });
    expect(toDot(x.mul(2))).toContain("{a\\|b\\{c\\} | value 1 | grad –}");
  });
});
