import { formatHostPort, NetError, parseHostPort } from "message-io";
import { describe, expect, it } from "vitest";
import { thrownBy } from "./helpers.js";

describe("parseHostPort", () => {
  it.each([
    ["127.0.0.1:80", "127.0.0.1", 80],
    ["0.0.0.0:0", "0.0.0.0", 0],
    ["255.255.255.255:65535", "255.255.255.255", 65535],
    ["localhost:3042", "localhost", 3042],
    ["example.com:443", "example.com", 443],
    ["my-host_1.internal:22", "my-host_1.internal", 22],
    ["[::1]:0", "::1", 0],
    ["[::]:8080", "::", 8080],
    ["[2001:db8::ff00:42:8329]:65535", "2001:db8::ff00:42:8329", 65535],
    ["[::ffff:127.0.0.1]:1", "::ffff:127.0.0.1", 1],
    ["[fe80::1%eth0]:9000", "fe80::1%eth0", 9000],
  ])("parses %s", (addr, host, port) => {
    expect(parseHostPort(addr)).toEqual({ host, port });
  });

  it.each([
    "",
    "localhost",
    "127.0.0.1",
    ":80",
    "127.0.0.1:",
    "127.0.0.1:65536",
    "127.0.0.1:99999",
    "127.0.0.1:123456",
    "127.0.0.1:-1",
    "127.0.0.1:8a",
    "127.0.0.1:port",
    "host:80:90",
    "::1:80",
    "::1",
    "[::1]",
    "[::1]:",
    "[]:80",
    "[::1]:65536",
    "[::1:80",
    "::1]:80",
    " host:80",
    "host:80 ",
    "a host:80",
    "ws://host:80",
    "host/path:80",
  ])("rejects %j with INVALID_ADDRESS", (addr) => {
    const error = thrownBy(() => parseHostPort(addr));
    expect(error).toBeInstanceOf(NetError);
    expect((error as NetError).code).toBe("INVALID_ADDRESS");
  });
});

describe("formatHostPort", () => {
  it.each([
    ["127.0.0.1", 80, "127.0.0.1:80"],
    ["localhost", 0, "localhost:0"],
    ["::1", 0, "[::1]:0"],
    ["::", 65535, "[::]:65535"],
    ["fe80::1%eth0", 9000, "[fe80::1%eth0]:9000"],
  ])("formats %s and %i as %s", (host, port, addr) => {
    expect(formatHostPort(host, port)).toBe(addr);
  });

  it("round-trips with parseHostPort", () => {
    for (const [host, port] of [
      ["10.0.0.1", 1],
      ["example.org", 65535],
      ["::1", 4242],
      ["2001:db8::1", 0],
    ] as const) {
      expect(parseHostPort(formatHostPort(host, port))).toEqual({ host, port });
    }
  });
});
