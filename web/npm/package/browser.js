// Entry for browsers, bundlers and other runtimes (the `default` export condition): fetches
// and instantiates the WebAssembly beside this file with top-level await, so importing the
// package is all a page has to do. Bundlers (Vite, webpack, Rollup) see the `new URL(…,
// import.meta.url)` and emit the .wasm as an asset.
import init from './gpt_image_wasm.js';

await init({ module_or_path: new URL('./gpt_image_wasm_bg.wasm', import.meta.url) });

export { createClient } from './gpt_image_wasm.js';
export { GptImageError } from './error.js';
