// Types of `gpt-image-wasm/proxy`: a server-side proxy that keeps the providers' API keys on the
// server. Browsers call it with `createClient({ provider, baseUrl: '/api/gpt-image/apiframe' })`.

/** A value per provider; leave one out to not serve that provider. */
export interface PerProvider {
  apiframe?: string | undefined;
  apiinone?: string | undefined;
}

/** The app's own limits, checked before anything is forwarded (a refusal is a 400). */
export interface ProxyPolicy {
  /** Most images per request (an unset `n` makes one). */
  maxImages?: number;
  /** Allowed qualities; a request without one is judged as the provider's default (Apiframe "auto", API in One "medium"). */
  qualities?: readonly ('auto' | 'low' | 'medium' | 'high')[];
  /** Longest prompt, in characters. */
  maxPromptChars?: number;
  /** Most reference images per request. */
  maxInputImages?: number;
  /** Forward Apiframe's job listing, which shows every job of the account, not only the caller's (default false). */
  listJobs?: boolean;
}

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** The providers' API keys, from the server's environment. Never sent to a browser. */
  keys: PerProvider;
  /** Where the proxy is mounted, e.g. "/api/gpt-image"; default "/". */
  basePath?: string;
  /** Base URLs to forward to instead of the providers' own (a staging host, the emulator). */
  upstream?: PerProvider;
  /** Origins granted CORS, e.g. ["https://app.example"]; default none (same origin only). */
  allowedOrigins?: readonly string[];
  /**
   * The app's sign-in check; a falsy result answers 401. Do not read the request's body. Behind
   * `proxy.node`, the second argument is Node's or Express's own request (e.g. for `req.session`).
   */
  authorize?: (request: Request, nodeRequest?: NodeRequestLike) => boolean | Promise<boolean>;
  /** Limits on what users may ask for. */
  policy?: ProxyPolicy;
  /** Largest submit body read, in bytes (default 25 MiB); larger is a 413. */
  maxBodyBytes?: number;
}

/** What Node's `http.IncomingMessage` (or Express's `req`) provides to the proxy. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  /** Express: the path before a mount point was removed. */
  originalUrl?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** What Node's `http.ServerResponse` (or Express's `res`) provides to the proxy. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Uint8Array | string): unknown;
  readonly headersSent: boolean;
}

/** A configured proxy, with a handler per kind of server. */
export interface GptImageProxy {
  /** Fetch standard handler: Next.js route handlers, Hono, Cloudflare Workers, Deno, Bun. */
  fetch(request: Request): Promise<Response>;
  /** Node's http server and Express: `http.createServer(proxy.node)`, `app.use('/api/gpt-image', proxy.node)`. */
  node(req: NodeRequestLike, res: NodeResponseLike): Promise<void>;
}

/**
 * Checks the options and builds the proxy. Rejects with a `TypeError` naming the option at
 * fault (never showing a key).
 */
export function createProxy(options: ProxyOptions): Promise<GptImageProxy>;
