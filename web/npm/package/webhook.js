// Entry of `gpt-image-wasm/webhook` for browsers, bundlers and other runtimes (the `default`
// export condition): instantiates the webhook's own WebAssembly, beside this file, with
// top-level await. A wasm apart from the client's, so that an app that only imports
// `createClient` never loads SHA-256, HMAC and base64.
import init from './gpt_image_webhook.js';

await init({ module_or_path: new URL('./gpt_image_webhook_bg.wasm', import.meta.url) });

export { verifyWebhook } from './gpt_image_webhook.js';
export { GptImageError } from './error.js';
