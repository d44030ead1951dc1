import type http from "node:http";

/** Types of test/support/dist-pages.mjs: a handler serving a blank page and the package's built modules. */
export declare function distPages(
  root: string,
  title: string,
): (request: http.IncomingMessage, response: http.ServerResponse) => void;
