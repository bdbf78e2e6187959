// How an app uses `gpt-image-wasm/proxy`: this must compile under the strictest settings.
import http from 'node:http';
import { createProxy, type GptImageProxy, type ProxyOptions } from 'gpt-image-wasm/proxy';

const options: ProxyOptions = {
  keys: { apiframe: process.env.APIFRAME_API_KEY, apiinone: process.env.APIINONE_API_KEY },
  basePath: '/api/gpt-image',
  upstream: { apiframe: 'http://127.0.0.1:8787' },
  allowedOrigins: ['https://app.example'],
  authorize: async (request: Request) => request.headers.get('x-session') !== null,
  policy: { maxImages: 4, qualities: ['low', 'medium'], maxPromptChars: 1000, maxInputImages: 2, listJobs: false },
  maxBodyBytes: 1024 * 1024,
};
const proxy: GptImageProxy = await createProxy(options);

// Node's http server takes the Node handler as it is.
http.createServer(proxy.node).listen(0);
http.createServer((req, res) => {
  void proxy.node(req, res);
});

// Fetch-standard handlers (Next.js, Hono, Workers).
export const GET = (request: Request): Promise<Response> => proxy.fetch(request);
export default { fetch: (request: Request) => proxy.fetch(request) };
