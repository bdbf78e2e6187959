// Entry of `gpt-image-wasm/proxy` for Cloudflare Workers (workerd) and other edge runtimes that
// forbid compiling WebAssembly from bytes: the .wasm is imported as a module, which workerd,
// wrangler and Workers bundlers turn into a `WebAssembly.Module`.
import wasm from './gpt_image_proxy_bg.wasm';
import { initSync, Proxy } from './gpt_image_proxy.js';
import { proxyFactory } from './proxy.js';

let ready = false;

export const createProxy = proxyFactory(async () => {
  if (!ready) {
    initSync({ module: wasm });
    ready = true;
  }
  return Proxy;
});
