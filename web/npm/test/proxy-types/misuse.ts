// Misuses of `gpt-image-wasm/proxy` that must NOT compile (each unused directive is an error).
import { createProxy } from 'gpt-image-wasm/proxy';

// @ts-expect-error: keys are required
await createProxy({ basePath: '/api' });
// @ts-expect-error: 'openai' is not a provider of this proxy
await createProxy({ keys: { openai: 'sk-x' } });
// @ts-expect-error: 'ultra' is not a quality
await createProxy({ keys: { apiframe: 'afk_x' }, policy: { qualities: ['ultra'] } });
// @ts-expect-error: allowedOrigins is a list
await createProxy({ keys: { apiframe: 'afk_x' }, allowedOrigins: 'https://app.example' });
// @ts-expect-error: authorize returns a boolean
await createProxy({ keys: { apiframe: 'afk_x' }, authorize: () => 'yes' });
// @ts-expect-error: options are camelCase
await createProxy({ keys: { apiframe: 'afk_x' }, max_body_bytes: 10 });

const proxy = await createProxy({ keys: { apiframe: 'afk_x' } });
// @ts-expect-error: fetch takes a Request, not a URL string
await proxy.fetch('http://x/apiframe/v2/jobs/1');
