/**
 * The contract kit (`message-io/testing`) over every connection-oriented adapter of the package:
 * the built-in stream and WebSocket transports and the in-memory template. The Unix-socket example
 * runs it in test/examples/unix-socket-adapter.test.ts.
 */
import { memoryAdapter, Transport } from "message-io";
import { describeAdapterContract } from "message-io/testing";

const LOCAL = "127.0.0.1:0";

describeAdapterContract({ transport: Transport.Tcp, listenAddr: LOCAL });
describeAdapterContract({ transport: Transport.FramedTcp, listenAddr: LOCAL, enforcesPeerLimit: true });
describeAdapterContract({ transport: Transport.Ws, listenAddr: LOCAL, enforcesPeerLimit: true });
describeAdapterContract({ transport: "memory", adapters: [memoryAdapter()], listenAddr: "memory:0" });
