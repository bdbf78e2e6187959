// Generates one image and shows it. The emulator's address and a key come from the query
// string (?emulator=…&key=…), so the headless test can point the built app anywhere.
import { createClient, GptImageError } from 'gpt-image-wasm';

const params = new URLSearchParams(location.search);
const status = document.querySelector('#status');
const image = document.querySelector('#image');

try {
  const client = await createClient({
    provider: params.get('provider') ?? 'apiframe',
    apiKey: params.get('key') ?? 'afk_vite_example',
    baseUrl: params.get('emulator') ?? location.origin,
    poll: { minDelayMs: 100, maxDelayMs: 250, typicalMs: 600 },
    // A demo against the local emulator with a demo key. A real page passes its proxy's
    // baseUrl and no apiKey; see the README's "Keys and browsers".
    dangerouslyAllowBrowser: true,
  });
  const result = await client.generate(
    { prompt: 'a lighthouse at dawn, watercolour' },
    { onUpdate: (u) => (status.textContent = `${u.status} ${u.progress ?? 0}%`) },
  );
  image.src = result.images[0].url;
  await image.decode();
  status.textContent = `done: ${result.jobId}`;
  status.dataset.state = 'done';
} catch (error) {
  status.textContent = error instanceof GptImageError ? `${error.kind}: ${error.message}` : String(error);
  status.dataset.state = 'error';
}
