// Types of gpt-image-wasm, written by hand and checked by a strict TypeScript consumer and a
// file of misuses that must not compile. They describe what the wasm facade accepts and
// returns; every name here is a shape the runtime checks too.

/** The aggregator that runs GPT Image 1.5 for you. */
export type Provider = 'apiframe' | 'apiinone';

/** Rendering quality; costlier and slower as it rises. API in One offers only medium and high. */
export type Quality = 'auto' | 'low' | 'medium' | 'high';

/** Output shape: square 1024×1024, landscape 1536×1024, portrait 1024×1536. */
export type AspectRatio = '1:1' | '3:2' | '2:3';

/** Whether the image keeps an opaque background or may be transparent (Apiframe). */
export type Background = 'auto' | 'opaque' | 'transparent';

/** File format of the results (Apiframe). */
export type OutputFormat = 'png' | 'jpeg' | 'webp';

/** How closely an edit preserves the reference images (Apiframe). */
export type InputFidelity = 'low' | 'high';

/** A job event a webhook can subscribe to (Apiframe). */
export type WebhookEvent = 'progress' | 'completed' | 'failed';

/** Where a job is in its life. */
export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed';

/** Polling bounds; the defaults suit each provider's real timing (about 15 s per image). */
export interface PollOptions {
  /** Shortest wait between two polls, ms (at least 100). Default 500. */
  minDelayMs?: number | undefined;
  /** Longest wait between two polls, ms. Default 10000. */
  maxDelayMs?: number | undefined;
  /** How long a job usually takes, ms; polls are sparse before it and tight around it. */
  typicalMs?: number | undefined;
}

/** What every {@link ClientOptions} has, with or without a key. */
export interface CommonClientOptions {
  /** Which aggregator to call. */
  provider: Provider;
  /**
   * Your app's own headers, sent with every request: a session token for your proxy, a trace
   * id. Names that carry the provider's key or that the client sets itself (`Authorization`,
   * `X-API-Key`, `Cookie`, `Idempotency-Key`, `Content-Type`, `Host`) are refused. Values never
   * appear in errors.
   */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Retries of a transient failure (network, timeout, 429, 5xx), 0–10. Default 3. */
  maxRetries?: number | undefined;
  /**
   * Failed polls in a row (an unreadable reply, a 5xx, a 429, a timeout, a dropped
   * connection) after which {@link Client.wait} gives up, with the job's id: the job may still
   * finish. Polls are repeated on the polling schedule until then. 1–1000, default 10.
   */
  maxPollFailures?: number | undefined;
  /** Timeout of each HTTP request, ms. Default 30000. */
  timeoutMs?: number | undefined;
  /** Polling bounds for {@link Client.wait}; mostly for fast backends such as an emulator. */
  poll?: PollOptions | undefined;
  /**
   * Jobs this client lets run at once: submits beyond wait in a queue, in order, until one of
   * its jobs ends, instead of meeting the provider's 429s. A whole number (1–1000), or
   * `'account'` for Apiframe's own limit (`team.maxConcurrentJobs` of `GET /v2/me`, read once;
   * where it cannot be read, submits are not held). Unset: every submit goes at once.
   */
  maxConcurrentJobs?: number | 'account' | undefined;
}

/**
 * A client that holds the provider key: on a server (Node, Deno, Bun, an edge worker), or in a
 * personal tool where the user enters their own key (`dangerouslyAllowBrowser: true`).
 */
export interface KeyClientOptions extends CommonClientOptions {
  /** Your key: `afk_…` for Apiframe, `aio_…` for API in One. Never appears in errors. */
  apiKey: string;
  /** A proxy or a local emulator instead of the provider's own URL. */
  baseUrl?: string | undefined;
  /**
   * Allow a key in a browser (a page or a web worker). Without it, `createClient` refuses
   * (kind `invalid_request`, field `dangerouslyAllowBrowser`): a key in a page is visible to
   * every visitor, and the providers say never to put keys in client code. Set it only for a
   * personal tool where the user enters their own key; otherwise run the proxy
   * (`gpt-image-wasm/proxy`) on your server and use {@link ProxyClientOptions}.
   */
  dangerouslyAllowBrowser?: boolean | undefined;
}

/**
 * A client that calls your proxy, which adds the provider key on the server: no key in the
 * browser. Use this in web pages.
 */
export interface ProxyClientOptions extends CommonClientOptions {
  /** No key: the proxy at `baseUrl` adds it. */
  apiKey?: undefined;
  /**
   * Your proxy's URL for this provider, `{origin}{basePath}/{provider}`, e.g.
   * `https://app.example/api/gpt-image/apiframe`. In a page or a worker a path on its own
   * origin works too: `/api/gpt-image/apiframe`.
   */
  baseUrl: string;
  /** Not needed without a key. */
  dangerouslyAllowBrowser?: boolean | undefined;
}

/** Options of {@link createClient}: a key, or the `baseUrl` of a proxy that holds it. */
export type ClientOptions = KeyClientOptions | ProxyClientOptions;

/**
 * What to generate or edit. Unset options take the provider's default; an option the chosen
 * provider lacks is refused (kind `invalid_request`) before anything is sent.
 */
export interface ImageRequest {
  /** What to draw: 1–2000 characters on Apiframe, 3–5000 on API in One. */
  prompt: string;
  quality?: Quality | undefined;
  aspectRatio?: AspectRatio | undefined;
  background?: Background | undefined;
  /** Number of images, 1–10 (Apiframe only). */
  n?: number | undefined;
  outputFormat?: OutputFormat | undefined;
  /** Reference images to edit from: `https://` URLs or `data:image/…` URLs. */
  inputImages?: readonly string[] | undefined;
  inputFidelity?: InputFidelity | undefined;
  /** Where the provider should POST job events. */
  webhookUrl?: string | undefined;
  /** Which events the webhook receives (Apiframe). Needs `webhookUrl`. */
  webhookEvents?: readonly WebhookEvent[] | undefined;
}

/** A submitted job: enough to poll it, now or after a reload. */
export interface Job {
  id: string;
  provider: Provider;
  status: JobStatus;
  /** The key every attempt of this submit carried (Apiframe): submit again with it to get the same job. */
  idempotencyKey?: string;
}

/** One result image. Provider URLs expire: download the bytes if they matter. */
export interface Image {
  url: string;
}

/** One look at a running job. */
export interface JobUpdate {
  id: string;
  status: JobStatus;
  /** 0–100, when the provider reports it. */
  progress?: number;
  /** The results, once completed. */
  images?: Image[];
  /** The provider's reason, once failed. */
  error?: string;
  /** Credits charged, when the provider says. */
  creditCost?: number;
  /** When the provider created the job, ms since the Unix epoch, when it says (Apiframe). */
  createdAt?: number;
  /** When the job ended, ms since the Unix epoch, when the provider says (Apiframe). */
  completedAt?: number;
}

/**
 * What a client has learned of how long jobs take ({@link Client.exportDurations}). Keep it
 * as it is (JSON text, structured cloning) and hand it to {@link Client.importDurations}.
 */
export interface LearnedDurations {
  readonly durations?: readonly unknown[];
  readonly progress?: readonly unknown[];
}

/** The images a completed job made. */
export interface Generation {
  jobId: string;
  provider: Provider;
  images: Image[];
  creditCost?: number;
}

/** Options of {@link Client.submit}. */
export interface SubmitOptions {
  /** Cancels the call: it rejects with kind `aborted` and sends nothing more. */
  signal?: AbortSignal | undefined;
  /**
   * Apiframe only: reuse a key to make a repeated submit return the same job. One is made for
   * you when unset, and every retry of the submit carries it.
   */
  idempotencyKey?: string | undefined;
}

/** Options of {@link Client.status}. */
export interface StatusOptions {
  signal?: AbortSignal | undefined;
}

/** Options of {@link Client.wait}. */
export interface WaitOptions {
  /** Stops waiting (kind `aborted`); the job itself goes on and can be waited for again. */
  signal?: AbortSignal | undefined;
  /** Called with every change of status or progress. An exception in it is logged, not thrown. */
  onUpdate?: ((update: JobUpdate) => void) | undefined;
  /** Overall deadline, ms (kind `timeout`, with `jobId` set). Default 10 minutes. */
  timeoutMs?: number | undefined;
}

/** Options of {@link Client.generate}: a submit's and a wait's together. */
export interface GenerateOptions extends SubmitOptions, WaitOptions {}

/** A configured connection to one provider. Calls may overlap. */
export interface Client {
  readonly provider: Provider;
  /** The base URL requests go to. */
  readonly baseUrl: string;
  /** Validates and submits a request. Retries never create a second job on Apiframe. */
  submit(request: ImageRequest, options?: SubmitOptions): Promise<Job>;
  /** One look at a job. */
  status(jobId: string, options?: StatusOptions): Promise<JobUpdate>;
  /** Polls a job until it completes; rejects with kind `job_failed` if it fails. */
  wait(jobId: string, options?: WaitOptions): Promise<Generation>;
  /** Submits, then waits. `onUpdate` first receives the submitted job, so its id is never lost. */
  generate(request: ImageRequest, options?: GenerateOptions): Promise<Generation>;
  /**
   * What this client has learned of how long jobs take, to keep and give to
   * {@link Client.importDurations} in a later session, so that polling starts warm.
   */
  exportDurations(): LearnedDurations;
  /**
   * Adds durations kept from {@link Client.exportDurations} to what this client knows. Throws
   * a {@link GptImageError} (kind `invalid_request`, field `durations`) on anything else.
   */
  importDurations(durations: LearnedDurations): void;
}

/**
 * Checks the options and makes a client. Rejects with a {@link GptImageError} of kind
 * `invalid_request` naming the field when an option is wrong, or when a key is given in a
 * browser without `dangerouslyAllowBrowser` (field `dangerouslyAllowBrowser`).
 */
export function createClient(options: ClientOptions): Promise<Client>;

/** What a {@link GptImageError} is about, and so what to do. */
export type GptImageErrorKind =
  /** An argument or the request is wrong; nothing was sent. See `field`. */
  | 'invalid_request'
  /** The key is missing, wrong (401) or inactive (403). */
  | 'auth'
  /** Too many requests, and retries ran out. See `retryAfterMs`. */
  | 'rate_limited'
  /** The provider answered with an error status. See `status`, `code`, `body`. */
  | 'api'
  /** The request did not complete: offline, DNS, CORS, connection dropped. */
  | 'network'
  /** A request took longer than `timeoutMs`, or a wait passed its deadline. */
  | 'timeout'
  /** Your `signal` fired. */
  | 'aborted'
  /** The provider ran the job and it failed; credits are normally refunded. */
  | 'job_failed'
  /** The reply could not be understood. See `body`. */
  | 'decode';

/** The fields a {@link GptImageError} is made from. */
export interface GptImageErrorDetails {
  kind: GptImageErrorKind;
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  body?: string | undefined;
  field?: string | undefined;
  jobId?: string | undefined;
  retryAfterMs?: number | undefined;
}

/** How every call of this package fails. The API key never appears in any field. */
export class GptImageError extends Error {
  constructor(message: string, details: GptImageErrorDetails);
  readonly name: 'GptImageError';
  readonly kind: GptImageErrorKind;
  /** The HTTP status behind the error, when there was one. */
  readonly status?: number;
  /** The provider's error code, when it sent one. */
  readonly code?: string;
  /** The provider's request id, for support tickets. */
  readonly requestId?: string;
  /** The raw reply body (cut to 2 KB), when the error came from one. */
  readonly body?: string;
  /** The argument or request field at fault (`invalid_request`). */
  readonly field?: string;
  /** The job concerned, when one exists: wait for it again after a timeout or abort. */
  readonly jobId?: string;
  /** How long the provider asked to wait (`rate_limited`), ms. */
  readonly retryAfterMs?: number;
}
