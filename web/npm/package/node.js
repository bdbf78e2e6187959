// Entry for Node (the `node` export condition): compiles the WebAssembly from the package's
// own folder, synchronously, at import. No init call and no top-level await, so `require()`
// of this package also works where Node supports requiring ES modules.
import { readFileSync } from 'node:fs';
import { initSync } from './gpt_image_wasm.js';

initSync({ module: readFileSync(new URL('./gpt_image_wasm_bg.wasm', import.meta.url)) });

export { createClient } from './gpt_image_wasm.js';
export { GptImageError } from './error.js';
