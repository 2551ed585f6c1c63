/**
 * What the playground's model workers share: the cpu backend (WebAssembly) chosen once per worker,
 * falling back to the reference one where it cannot load, and errors as message text.
 */
import * as mt from "../../src/index.js";

let backendReady: Promise<void> | null = null;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Sets the cpu backend once; where it cannot load, says so through `report` and uses reference. */
export function ensureCpuBackend(report: (text: string) => void): Promise<void> {
  backendReady ??= mt.setBackend("cpu").catch(async (error: unknown) => {
    report(`cpu backend unavailable (${messageOf(error)}); using reference`);
    await mt.setBackend("reference");
  });
  return backendReady;
}
