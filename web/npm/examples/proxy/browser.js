// In the page: no key, the proxy adds it on the server.
import { createClient } from 'gpt-image-wasm';

const client = await createClient({
  provider: 'apiframe',
  baseUrl: new URL('/api/gpt-image/apiframe', location.href).href,
  // With an authorize check: the app's own session token, which the proxy never forwards.
  headers: { 'x-app-session': sessionStorage.getItem('session') ?? '' },
});
const result = await client.generate({ prompt: 'a lighthouse at dawn, watercolour', quality: 'low' });
document.querySelector('img').src = result.images[0].url;
