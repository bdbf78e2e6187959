// src/worker.js: a Cloudflare Worker (keys set with `wrangler secret put APIFRAME_API_KEY`)
import { createProxy } from 'gpt-image-wasm/proxy';

let proxy;

export default {
  async fetch(request, env) {
    proxy ??= await createProxy({
      keys: { apiframe: env.APIFRAME_API_KEY, apiinone: env.APIINONE_API_KEY },
      basePath: '/api/gpt-image',
      upstream: { apiframe: env.APIFRAME_BASE_URL, apiinone: env.APIINONE_BASE_URL },
      allowedOrigins: env.APP_ORIGIN ? [env.APP_ORIGIN] : [],
    });
    return proxy.fetch(request);
  },
};
