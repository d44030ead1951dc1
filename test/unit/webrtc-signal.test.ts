/** The `webrtc` signalling's pure parts: messages, the channel a connector asks for, the remote SDP kept. */
import { describe, expect, it } from "vitest";
import {
  channelRequest,
  decodeSignal,
  encodeSignal,
  MAX_REMOTE_CANDIDATES,
  usableRemoteSdp,
} from "../../src/adapters/webrtc-session.js";

const utf8 = new TextEncoder();

describe("signalling messages", () => {
  it("round-trips an offer, an answer and open; reliable is null on the wire", () => {
    const offer = { type: "offer", sdp: "v=0", ordered: true, maxRetransmits: undefined } as const;
    expect(new TextDecoder().decode(encodeSignal(offer))).toContain('"maxRetransmits":null');
    expect(decodeSignal(encodeSignal(offer))).toEqual(offer);
    expect(decodeSignal(encodeSignal({ type: "answer", sdp: "v=0" }))).toEqual({ type: "answer", sdp: "v=0" });
    expect(decodeSignal(encodeSignal({ type: "open" }))).toEqual({ type: "open" });
  });

  it("rejects anything else: invalid UTF-8, not JSON, wrong types, out of range", () => {
    for (const text of [
      "not json",
      "null",
      "[]",
      '{"type":"offer","sdp":1,"ordered":false,"maxRetransmits":0}',
      '{"type":"offer","sdp":"","ordered":"no","maxRetransmits":0}',
      '{"type":"offer","sdp":"","ordered":false,"maxRetransmits":-1}',
      '{"type":"offer","sdp":"","ordered":false,"maxRetransmits":70000}',
      '{"type":"offer","sdp":"","ordered":false,"maxRetransmits":1.5}',
      '{"type":"hello","sdp":""}',
    ]) {
      expect(decodeSignal(utf8.encode(text)), text).toBeUndefined();
    }
    expect(decodeSignal(new Uint8Array([0x7b, 0xff, 0x7d]))).toBeUndefined();
  });
});

describe("the channel a connector asks for", () => {
  it("is unordered without retransmits by default; ordered alone is reliable; maxRetransmits as given", () => {
    expect(channelRequest(undefined, undefined)).toEqual({ ordered: false, maxRetransmits: 0 });
    expect(channelRequest(true, undefined)).toEqual({ ordered: true, maxRetransmits: undefined });
    expect(channelRequest(true, 3)).toEqual({ ordered: true, maxRetransmits: 3 });
    expect(channelRequest(false, 2)).toEqual({ ordered: false, maxRetransmits: 2 });
    expect(() => channelRequest("yes", undefined)).toThrow(/ordered/);
    expect(() => channelRequest(undefined, -1)).toThrow(/maxRetransmits/);
  });
});

describe("the remote SDP kept", () => {
  it("drops candidates that are names and keeps at most MAX_REMOTE_CANDIDATES", () => {
    const lines = [
      "v=0",
      "a=candidate:1 1 udp 1 abc.local 5000 typ host",
      "a=candidate:2 1 udp 1 example.org 5001 typ host",
    ];
    for (let i = 0; i < 100; i++) lines.push(`a=candidate:${i + 3} 1 udp 1 127.0.0.1 ${6000 + i} typ host`);
    lines.push("a=candidate:200 1 udp 1 ::1 7000 typ host", "a=end-of-candidates");
    const kept = usableRemoteSdp(lines.join("\r\n")).split("\r\n");
    const candidates = kept.filter((line) => line.startsWith("a=candidate:"));
    expect(candidates).toHaveLength(MAX_REMOTE_CANDIDATES);
    expect(candidates.every((line) => line.includes(" 127.0.0.1 "))).toBe(true);
    expect(kept[0]).toBe("v=0");
    expect(kept.at(-1)).toBe("a=end-of-candidates");
  });
});
