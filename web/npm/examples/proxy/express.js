// server.js: the Express app that serves your page and the proxy
import express from 'express';
import { createProxy } from 'gpt-image-wasm/proxy';

const proxy = await createProxy({
  keys: { apiframe: process.env.APIFRAME_API_KEY, apiinone: process.env.APIINONE_API_KEY },
  basePath: '/api/gpt-image',
  upstream: { apiframe: process.env.APIFRAME_BASE_URL, apiinone: process.env.APIINONE_BASE_URL },
});

const app = express();
// Before any body parser: the proxy reads the body itself, under its size limit.
app.use('/api/gpt-image', proxy.node);
app.use(express.static('public'));
app.listen(Number(process.env.PORT ?? 3000));
