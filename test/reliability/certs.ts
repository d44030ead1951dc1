/**
 * Test certificates, made at run time with the `openssl` command line, in a temporary directory
 * removed afterwards: no private key is ever committed. A CA signs a server certificate for
 * `localhost` and `127.0.0.1`; a second, self-signed certificate stands for an impostor.
 */
import { execFile } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificates {
  /** The CA's certificate: what a client trusts. */
  ca: string;
  /** The server's key and certificate, signed by the CA. */
  key: string;
  cert: string;
  /** A self-signed certificate and key for `localhost`, trusted by nobody. */
  selfSignedKey: string;
  selfSignedCert: string;
  /** base64(sha256(SPKI)) of the server's key, the form Chromium's `--ignore-certificate-errors-spki-list` takes. */
  serverSpki: string;
  /** Removes the directory with the keys. */
  dispose(): Promise<void>;
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "message-io-certs-"));
  const at = (name: string) => path.join(dir, name);
  // Every argument is one word, so a command reads as it would be typed.
  const openssl = (command: string) => run("openssl", command.trim().split(/\s+/), { cwd: dir });
  const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2";
  try {
    await openssl(`req -x509 ${ec} -keyout ca.key -out ca.pem -subj /CN=message-io-test-CA
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`);
    await openssl(`req ${ec} -keyout server.key -out server.csr -subj /CN=localhost`);
    await writeFile(
      at("server.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    );
    await openssl(`x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2
      -out server.pem -extfile server.ext`);
    await openssl(`req -x509 ${ec} -keyout self.key -out self.pem -subj /CN=localhost
      -addext subjectAltName=DNS:localhost,IP:127.0.0.1`);
    const [ca, key, cert, selfSignedKey, selfSignedCert] = await Promise.all(
      ["ca.pem", "server.key", "server.pem", "self.key", "self.pem"].map((name) => readFile(at(name), "utf8")),
    );
    const spki = new X509Certificate(cert as string).publicKey.export({ type: "spki", format: "der" });
    return {
      ca: ca as string,
      key: key as string,
      cert: cert as string,
      selfSignedKey: selfSignedKey as string,
      selfSignedCert: selfSignedCert as string,
      serverSpki: createHash("sha256").update(spki).digest("base64"),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const missing = (error as { code?: string }).code === "ENOENT";
    throw new Error(missing ? "the TLS tests need the openssl command (apt-get install openssl)" : String(error), {
      cause: error,
    });
  }
}
