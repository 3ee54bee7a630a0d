// The pthread worker of tfjs-backend-wasm's threaded build, adapted to Deno's node:worker_threads
// (see wasm_threads.ts). Deno starts node workers from files only, the script that the stock
// worker imports is a Blob, and Deno's worker scope has read-only `location` and `performance`.
"use strict";
const { parentPort } = require("node:worker_threads");
const pkg = "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd";
const mainScript = require.resolve(`${pkg}.js`);
const { wasmWorkerContents } = require(`${pkg}.worker.js`);

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(
    event,
    event !== "message" ? listener : (data) => {
      if (data && data.cmd === "load" && typeof data.urlOrBlob !== "string") {
        data.urlOrBlob = mainScript;
      }
      listener(data);
    },
  );

const source = wasmWorkerContents
  .replace(/\n/g, "\\n")
  .replace("location:{href:__filename},", "")
  .replace(",performance:global.performance||{now:function(){return Date.now()}}", "");
new Function("require", "__filename", "global", source)(require, __filename, globalThis);
