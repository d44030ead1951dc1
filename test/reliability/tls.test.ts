/**
 * TLS on every connection-oriented transport: tcp and framed-tcp over `node:tls`, and wss. The
 * client verifies the server's certificate by default; an untrusted or misnamed certificate fails
 * the connect with a coded error, `rejectUnauthorized: false` accepts it. Certificates are made at
 * run time (see certs.ts).
 */
import { type NetEvent, Transport } from "message-io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnected, recordedNode } from "../support/recorder.js";
import { makeCertificates, type TestCertificates } from "./certs.js";
import { echoNode, GoodClient, guardEveryTest, rawSocket, socketClosed } from "./support.js";

type Connected = Extract<NetEvent, { type: "connected" }>;

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeCertificates();
});
afterAll(() => certs?.dispose());

guardEveryTest();

const transports = [Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const;

/** Where a client dials a TLS listener bound at `addr`, by name or by IP. */
function secureAddress(transport: string, addr: string, host = "127.0.0.1"): string {
  const port = addr.slice(addr.lastIndexOf(":") + 1);
  return transport === Transport.Ws ? `wss://${host}:${port}/` : `${host}:${port}`;
}

async function tlsServer(transport: (typeof transports)[number], options: Record<string, unknown> = {}) {
  const server = echoNode();
  const tls = { key: certs.key, cert: certs.cert };
  const { addr } = await server.network.listen(transport, "127.0.0.1:0", { tls, ...options });
  return { server, addr };
}

/** The outcome of one connect to `remote` with `tls`. */
async function connectOutcome(transport: string, remote: string, tls: unknown): Promise<Connected> {
  const client = recordedNode();
  const endpoint = client.network.connect(transport, remote, { tls } as never);
  return client.waitFor((e): e is Connected => isConnected(e) && e.endpoint === endpoint);
}

describe.each(transports)("%s over TLS", (transport) => {
  it("echoes with the server's CA trusted, by IP and by name; large messages too", async () => {
    const { server, addr } = await tlsServer(transport);
    for (const host of ["127.0.0.1", "localhost"]) {
      const client = recordedNode();
      const endpoint = await client.network.connectAsync(transport, secureAddress(transport, addr, host), {
        tls: { ca: certs.ca },
      });
      const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
      client.network.send(endpoint, big);
      let received = 0;
      for (let count = 1; received < big.length && count <= 10_000; count++) {
        const messages = await client.waitForCount((e) => e.type === "message", count);
        received = messages.reduce((sum, e) => sum + (e.type === "message" ? e.data.length : 0), 0);
      }
      expect(received).toBe(big.length);
    }
    expect(server.ofType("accepted")).toHaveLength(2);
  });

  it("verifies by default: a certificate from an unknown CA fails the connect with a coded error", async () => {
    const { server, addr } = await tlsServer(transport);
    const outcome = await connectOutcome(transport, secureAddress(transport, addr), true);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    const client = recordedNode();
    await expect(
      client.network.connectAsync(transport, secureAddress(transport, addr), { tls: true }),
    ).rejects.toMatchObject({ name: "NetError", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(server.ofType("accepted")).toHaveLength(0);
  });

  it("refuses a certificate for another name, and a self-signed one", async () => {
    const { addr } = await tlsServer(transport);
    const misnamed = await connectOutcome(transport, secureAddress(transport, addr), {
      ca: certs.ca,
      servername: "game.example",
    });
    expect(misnamed.error?.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");

    const impostor = echoNode();
    const { addr: impostorAddr } = await impostor.network.listen(transport, "127.0.0.1:0", {
      tls: { key: certs.selfSignedKey, cert: certs.selfSignedCert },
    });
    const selfSigned = await connectOutcome(transport, secureAddress(transport, impostorAddr, "localhost"), {
      ca: certs.ca,
    });
    expect(selfSigned.error?.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("accepts any certificate with rejectUnauthorized: false", async () => {
    const { addr } = await tlsServer(transport);
    const outcome = await connectOutcome(transport, secureAddress(transport, addr), { rejectUnauthorized: false });
    expect(outcome.ok).toBe(true);
  });

  it("drops plaintext and garbage sent to a TLS listener, and keeps serving", async () => {
    const { server, addr } = await tlsServer(transport);
    const good = await GoodClient.connect(server, transport, secureAddress(transport, addr), {
      tls: { ca: certs.ca },
    });
    const attackers = await Promise.all([rawSocket(addr), rawSocket(addr), rawSocket(addr)]);
    attackers[0]?.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    attackers[1]?.write(new Uint8Array(3000).fill(0x16)); // looks like a TLS record, is not
    attackers[2]?.write(Uint8Array.from([0x16, 0x03, 0x01, 0xff, 0xff])); // a record header promising 64 KiB
    attackers[2]?.end();
    await Promise.all(attackers.map(socketClosed));
    expect(server.ofType("accepted")).toHaveLength(1);
    await good.assertServed(server);
  });

  it("handshakeTimeout bounds the TLS handshake: a silent socket is dropped without accepted", async () => {
    const { server, addr } = await tlsServer(transport, { handshakeTimeout: 300 });
    const silent = await rawSocket(addr);
    const started = performance.now();
    await socketClosed(silent);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.ofType("accepted")).toHaveLength(0);
  });
});
