/** The contract kit's byte helpers, platform-free, for the Node and browser tests. */
export { concatBytes, patternBytes } from "../../src/testing/bytes.js";
