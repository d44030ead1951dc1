import { describe, expect, it } from "vitest";
import { recycler, takeCopy } from "../../platform/node/send-copies.js";

describe("send copies", () => {
  it("gives small copies no recycler (they are slices of Node's pool)", () => {
    const copy = takeCopy(100);
    expect(copy.length).toBe(100);
    expect(recycler(copy)).toBeUndefined();
  });

  it("never hands out memory that is still in use", () => {
    const first = takeCopy(65_539);
    const second = takeCopy(65_539);
    expect(first.buffer).not.toBe(second.buffer);
  });

  it("reuses memory once it was given back, and only once however often the callback runs", () => {
    const copy = takeCopy(70_000);
    const done = recycler(copy);
    expect(done).toBeTypeOf("function");
    done?.();
    done?.(); // a second call must not list the memory twice
    const a = takeCopy(70_000);
    const b = takeCopy(70_000);
    expect(a.buffer).toBe(copy.buffer);
    expect(b.buffer).not.toBe(copy.buffer);
    expect(a.length).toBe(70_000);
  });

  it("allocates copies above the largest class and keeps none of them", () => {
    const huge = takeCopy(5 * 1024 * 1024);
    expect(huge.length).toBe(5 * 1024 * 1024);
    expect(recycler(huge)).toBeUndefined();
  });
});
