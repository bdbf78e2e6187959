// A strict TypeScript consumer of gpt-image-wasm that uses every public type: if it stops
// compiling, the shipped .d.ts changed in a way users would notice.
import {
  createClient,
  GptImageError,
  type AspectRatio,
  type Background,
  type Client,
  type ClientOptions,
  type CommonClientOptions,
  type KeyClientOptions,
  type ProxyClientOptions,
  type GenerateOptions,
  type Generation,
  type GptImageErrorDetails,
  type GptImageErrorKind,
  type Image,
  type ImageRequest,
  type InputFidelity,
  type Job,
  type JobStatus,
  type JobUpdate,
  type LearnedDurations,
  type OutputFormat,
  type PollOptions,
  type Provider,
  type Quality,
  type StatusOptions,
  type SubmitOptions,
  type WaitOptions,
  type WebhookEvent,
} from 'gpt-image-wasm';
import {
  GptImageError as WebhookEntryError,
  verifyWebhook,
  type WebhookInput,
} from 'gpt-image-wasm/webhook';

const provider: Provider = 'apiframe';
const poll: PollOptions = { minDelayMs: 100, maxDelayMs: 1000, typicalMs: 5000 };
const options: ClientOptions = { provider, apiKey: 'afk_x', baseUrl: 'http://127.0.0.1:8787', maxRetries: 2, timeoutMs: 10_000, poll };
const client: Client = await createClient(options);
// Learned durations kept between sessions, and a queue at the account's limit.
const learned: LearnedDurations = client.exportDurations();
const warm: Client = await createClient({ ...options, maxConcurrentJobs: 'account' });
warm.importDurations(JSON.parse(JSON.stringify(learned)) as LearnedDurations);
await createClient({ ...options, maxConcurrentJobs: 4 });
// In a page: the proxy's URL and the app's own headers, no key.
const proxied: ProxyClientOptions = { provider: 'apiinone', baseUrl: '/api/gpt-image/apiinone', headers: { 'X-Session': 'token' } };
const viaProxy: Client = await createClient(proxied);
// A personal tool where the user enters their own key.
const personal: KeyClientOptions = { provider, apiKey: 'afk_user', dangerouslyAllowBrowser: true };
const common: CommonClientOptions = personal;
await createClient({ ...common, apiKey: 'afk_user', dangerouslyAllowBrowser: true });
void viaProxy;
const who: Provider = client.provider;
const where: string = client.baseUrl;

const quality: Quality = 'high';
const aspectRatio: AspectRatio = '3:2';
const background: Background = 'transparent';
const outputFormat: OutputFormat = 'webp';
const inputFidelity: InputFidelity = 'high';
const events: WebhookEvent[] = ['completed', 'failed'];
const request: ImageRequest = {
  prompt: 'a lighthouse at dawn',
  quality,
  aspectRatio,
  background,
  n: 2,
  outputFormat,
  inputImages: ['https://example.com/a.png'],
  inputFidelity,
  webhookUrl: 'https://hooks.example.com/x',
  webhookEvents: events,
};

const controller = new AbortController();
const submitOptions: SubmitOptions = { signal: controller.signal, idempotencyKey: 'k-1' };
const job: Job = await client.submit(request, submitOptions);
const status: JobStatus = job.status;
const retryKey: string | undefined = job.idempotencyKey;

const statusOptions: StatusOptions = { signal: AbortSignal.timeout(5000) };
const update: JobUpdate = await client.status(job.id, statusOptions);
const percent: number | undefined = update.progress;

const onUpdate = (u: JobUpdate): void => {
  const label: string = `${u.id}: ${u.status} ${u.progress ?? '?'}%`;
  void label;
};
const waitOptions: WaitOptions = { signal: controller.signal, onUpdate, timeoutMs: 60_000 };
const result: Generation = await client.wait(job.id, waitOptions);
const first: Image | undefined = result.images[0];
const url: string | undefined = first?.url;
const cost: number | undefined = result.creditCost;

const generateOptions: GenerateOptions = { ...submitOptions, ...waitOptions };
const again: Generation = await client.generate({ prompt: 'a fox' }, generateOptions);
await client.generate({ prompt: 'a fox' });

try {
  await client.wait('job-id');
} catch (error) {
  if (error instanceof GptImageError) {
    const kind: GptImageErrorKind = error.kind;
    const httpStatus: number | undefined = error.status;
    const fields: (string | undefined)[] = [error.code, error.requestId, error.body, error.field, error.jobId];
    const wait: number | undefined = error.retryAfterMs;
    const message: string = error.message;
    const asError: Error = error;
    switch (error.kind) {
      case 'invalid_request':
      case 'auth':
      case 'rate_limited':
      case 'api':
      case 'network':
      case 'timeout':
      case 'aborted':
      case 'job_failed':
      case 'decode':
        break;
      default: {
        const never: never = error.kind;
        void never;
      }
    }
    void [kind, httpStatus, fields, wait, message, asError];
  }
}

const details: GptImageErrorDetails = { kind: 'network' };
const made = new GptImageError('offline', details);
const input: WebhookInput = { body: new Uint8Array([1, 2]), signature: null, apiKey: 'afk_x' };
const ok: boolean = verifyWebhook(input) && verifyWebhook({ body: '{}', signature: 'ab', apiKey: 'afk_x' });
// The webhook entry's error class is the main entry's.
const sameClass: typeof GptImageError = WebhookEntryError;

void [who, where, status, retryKey, percent, url, cost, again, made, ok, sameClass];
