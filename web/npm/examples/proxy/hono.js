// src/index.js: a Hono app (Bun, Deno, Workers, or Node with @hono/node-server)
import { Hono } from 'hono';
import { createProxy } from 'gpt-image-wasm/proxy';

const proxy = await createProxy({
  keys: { apiframe: process.env.APIFRAME_API_KEY, apiinone: process.env.APIINONE_API_KEY },
  basePath: '/api/gpt-image',
  upstream: { apiframe: process.env.APIFRAME_BASE_URL, apiinone: process.env.APIINONE_BASE_URL },
});

const app = new Hono();
app.all('/api/gpt-image/*', (c) => proxy.fetch(c.req.raw));

export default app;
