// Entry of `gpt-image-wasm/proxy` for Node (and Deno and Bun, which also match `node`): compiles
// the proxy's WebAssembly from the package's own folder on the first createProxy call.
import { readFileSync } from 'node:fs';
import { initSync, Proxy } from './gpt_image_proxy.js';
import { proxyFactory } from './proxy.js';

let ready = false;

export const createProxy = proxyFactory(async () => {
  if (!ready) {
    initSync({ module: readFileSync(new URL('./gpt_image_proxy_bg.wasm', import.meta.url)) });
    ready = true;
  }
  return Proxy;
});
