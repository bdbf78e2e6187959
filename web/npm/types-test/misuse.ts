// Misuses that must NOT compile. Each line carries @ts-expect-error: if the types ever get
// looser (a string where a union was, `any` in a signature), tsc reports the unused directive.
import { createClient, type ImageRequest, type JobUpdate } from 'gpt-image-wasm';
import { verifyWebhook } from 'gpt-image-wasm/webhook';

// @ts-expect-error: 'openai' is not a provider of this package
await createClient({ provider: 'openai', apiKey: 'sk-x' });
// @ts-expect-error: a key, or the baseUrl of a proxy that holds it, is required
await createClient({ provider: 'apiframe' });
// @ts-expect-error: header values are strings
await createClient({ provider: 'apiframe', baseUrl: '/api', headers: { 'X-Retry': 3 } });
// @ts-expect-error: dangerouslyAllowBrowser is a boolean
await createClient({ provider: 'apiframe', apiKey: 'afk_x', dangerouslyAllowBrowser: 'yes' });
// @ts-expect-error: a key is a string
await createClient({ provider: 'apiframe', apiKey: 42, baseUrl: '/api' });
// @ts-expect-error: options are camelCase
await createClient({ provider: 'apiframe', apiKey: 'afk_x', base_url: 'http://x' });
// @ts-expect-error: timeoutMs is a number of milliseconds
await createClient({ provider: 'apiframe', apiKey: 'afk_x', timeoutMs: '5s' });
// @ts-expect-error: maxConcurrentJobs is a number or 'account'
await createClient({ provider: 'apiframe', apiKey: 'afk_x', maxConcurrentJobs: 'all' });

const client = await createClient({ provider: 'apiframe', apiKey: 'afk_x' });
// @ts-expect-error: a request is an object, not a bare prompt
await client.submit('a fox');
// @ts-expect-error: 'ultra' is not a quality
const bad: ImageRequest = { prompt: 'x', quality: 'ultra' };
// @ts-expect-error: aspect ratios are 1:1, 3:2 and 2:3
const wide: ImageRequest = { prompt: 'x', aspectRatio: '16:9' };
// @ts-expect-error: unknown request keys are refused
const extra: ImageRequest = { prompt: 'x', seed: 4 };
// @ts-expect-error: status is one of four words, never 'done'
const done: JobUpdate = { id: 'j', status: 'done' };
// @ts-expect-error: job ids are strings
await client.status(42);
// @ts-expect-error: wait options have no idempotency key
await client.wait('j', { idempotencyKey: 'k' });
// @ts-expect-error: signal must be an AbortSignal
await client.submit({ prompt: 'x' }, { signal: 'stop' });

const job = await client.submit({ prompt: 'x' });
// @ts-expect-error: the job's status is not free text
const label: 'done' = job.status;
const result = await client.generate({ prompt: 'x' });
// @ts-expect-error: images are objects with a url, not strings
const first: string = result.images[0]!;
// @ts-expect-error: verifyWebhook needs the raw body, not a parsed object
verifyWebhook({ body: { event: 'completed' }, signature: 'ab', apiKey: 'afk_x' });
// @ts-expect-error: verifyWebhook answers synchronously
const later: Promise<boolean> = verifyWebhook({ body: '', signature: '', apiKey: 'afk_x' });

void [bad, wide, extra, done, label, first, later];
