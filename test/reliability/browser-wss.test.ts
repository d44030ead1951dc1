/**
 * wss from the browser: Debian's Chromium loads the package's browser build (dist/, made by the
 * global setup) from an HTTPS page and connects to a wss listener of the Node build. Chromium
 * trusts the test server's key through `--ignore-certificate-errors-spki-list` (the certificates
 * are made at run time; nothing is installed in a trust store), and still refuses a certificate
 * it was not told about.
 */
import https from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Transport } from "message-io";
import { type Browser, chromium } from "playwright";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumLaunchOptions } from "../support/chromium.js";
import { distPages } from "../support/dist-pages.mjs";
import { isAccepted, isMessage, stopAll } from "../support/recorder.js";
import { makeCertificates, type TestCertificates } from "./certs.js";
import { echoNode, ProcessGuard } from "./support.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let certs: TestCertificates;
let browser: Browser;
let pages: https.Server;
let pagesOrigin: string;

beforeAll(async () => {
  certs = await makeCertificates();
  // The page and the package's built modules, over HTTPS with the same trusted certificate.
  pages = https.createServer({ key: certs.key, cert: certs.cert }, distPages(root, "wss"));
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagesOrigin = `https://localhost:${(pages.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, `--ignore-certificate-errors-spki-list=${certs.serverSpki}`],
  });
});

afterAll(async () => {
  await stopAll();
  await browser?.close();
  pages?.closeAllConnections();
  await new Promise((resolve) => pages?.close(resolve));
  await certs?.dispose();
});

/**
 * Runs in the page, as text: Vitest rewrites `import()` in the test's own functions. The browser
 * build connects to `target`, sends a text, and reports what happened.
 */
const IN_PAGE = `async (target) => {
  const { split } = await import("/dist/platform/browser/index.js");
  const { handler, listener } = split();
  const receiver = listener.enqueue();
  const endpoint = handler.network.connect("ws", target);
  try {
    const connected = await receiver.receiveTimeout(10000);
    if (!connected?.ok) return { connected: false, code: connected?.error?.code ?? "NO_EVENT" };
    handler.network.send(endpoint, "hello over wss");
    const message = await receiver.receiveTimeout(10000);
    return { connected: true, echoed: message ? new TextDecoder().decode(message.data) : undefined };
  } finally {
    handler.stop();
  }
}`;

/** A fresh browser context loads the HTTPS page and runs `IN_PAGE` against `url`. */
async function roundTripInPage(url: string): Promise<{ connected: boolean; code?: string; echoed?: string }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${pagesOrigin}/`);
    return await page.evaluate(`(${IN_PAGE})(${JSON.stringify(url)})`);
  } finally {
    await context.close();
  }
}

it("Chromium runs the browser build over wss to a Node listener, trusting only the key it was given", async () => {
  const guard = new ProcessGuard();
  const server = echoNode();
  const { addr } = await server.network.listen(Transport.Ws, "127.0.0.1:0", {
    tls: { key: certs.key, cert: certs.cert },
  });
  const port = addr.slice(addr.lastIndexOf(":") + 1);
  const result = await roundTripInPage(`wss://localhost:${port}/game`);
  expect(result).toEqual({ connected: true, echoed: "hello over wss" });
  await server.waitFor(isAccepted);
  expect((await server.waitFor(isMessage)).type).toBe("message");

  // The same page and browser refuse a certificate whose key is not on the list.
  const impostor = echoNode();
  const { addr: impostorAddr } = await impostor.network.listen(Transport.Ws, "127.0.0.1:0", {
    tls: { key: certs.selfSignedKey, cert: certs.selfSignedCert },
  });
  const refused = await roundTripInPage(`wss://localhost:${impostorAddr.slice(impostorAddr.lastIndexOf(":") + 1)}/`);
  // A browser says nothing about why a WebSocket failed: the code is the library's generic one.
  expect(refused).toEqual({ connected: false, code: "CONNECTION_LOST" });
  expect(impostor.ofType("accepted")).toHaveLength(0);
  guard.assertClean();
});
