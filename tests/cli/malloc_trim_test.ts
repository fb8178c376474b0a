import assert from "node:assert/strict";
import { releaseFreedMemory } from "../../src/cli/malloc_trim.ts";

Deno.test("releaseFreedMemory trims the C heap on Linux with FFI permitted", async () => {
  assert.equal(await releaseFreedMemory(), Deno.build.os === "linux");
});

Deno.test({
  name: "releaseFreedMemory does nothing without the FFI permission",
  permissions: { ffi: false, read: true },
  async fn() {
    assert.equal(await releaseFreedMemory(), false);
  },
});
