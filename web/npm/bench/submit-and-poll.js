// The smallest useful app, for the size bench: submit, poll until done, print the URL.
// Bundled with esbuild --minify and compared with peers' equivalents.
import { createClient } from 'gpt-image-wasm';

const client = await createClient({ provider: 'apiframe', apiKey: 'afk_bench' });
const job = await client.submit({ prompt: 'a lighthouse at dawn' });
const result = await client.wait(job.id, { onUpdate: (u) => console.log(u.status, u.progress) });
console.log(result.images[0].url);
