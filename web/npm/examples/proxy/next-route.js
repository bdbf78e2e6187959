// app/api/gpt-image/[...path]/route.js
import { createProxy } from 'gpt-image-wasm/proxy';

const proxy = await createProxy({
  keys: { apiframe: process.env.APIFRAME_API_KEY, apiinone: process.env.APIINONE_API_KEY },
  basePath: '/api/gpt-image',
  // Optional: a staging host (or the local emulator) instead of the providers' own URLs.
  upstream: { apiframe: process.env.APIFRAME_BASE_URL, apiinone: process.env.APIINONE_BASE_URL },
  // Optional: your own sign-in check; without one, anyone who can reach the route spends your credits.
  authorize: async (request) => request.headers.get('x-app-session') === process.env.APP_SESSION,
  policy: { maxImages: 4, qualities: ['low', 'medium'], maxPromptChars: 1000 },
});

export const GET = (request) => proxy.fetch(request);
export const POST = (request) => proxy.fetch(request);
export const OPTIONS = (request) => proxy.fetch(request);
