// Entry of `gpt-image-wasm/webhook` for Node (the `node` export condition): compiles the
// webhook's own WebAssembly from the package's folder, synchronously, at import. No top-level
// await, so `require()` of this entry also works where Node supports requiring ES modules.
import { readFileSync } from 'node:fs';
import { initSync } from './gpt_image_webhook.js';

initSync({ module: readFileSync(new URL('./gpt_image_webhook_bg.wasm', import.meta.url)) });

export { verifyWebhook } from './gpt_image_webhook.js';
export { GptImageError } from './error.js';
