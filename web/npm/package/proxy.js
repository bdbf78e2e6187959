// The server proxy's adapter, shared by every runtime's entry (proxy-node.js, proxy-workerd.js).
// It only moves bytes: every decision (routes, path checks, headers, policy, CORS, redaction)
// is made by the Rust rules in gpt_image_proxy_bg.wasm. Nothing here logs, and the server's
// keys only ever go into the headers of the request sent to the provider.

/** How long the proxy waits for a provider's answer. */
const UPSTREAM_TIMEOUT_MS = 60_000;
/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Builds `createProxy` around a loader that returns the initialised wasm's `Proxy` class.
 * @param {() => Promise<any>} load
 */
export function proxyFactory(load) {
  return async function createProxy(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('createProxy: options must be an object with at least `keys`');
    }
    const { authorize, ...settings } = options;
    if (authorize !== undefined && typeof authorize !== 'function') {
      throw new TypeError('createProxy: authorize must be a function (request) => boolean | Promise<boolean>');
    }
    const Proxy = await load();
    let config;
    try {
      config = JSON.stringify(settings);
    } catch {
      throw new TypeError('createProxy: options must hold plain values (strings, numbers, lists)');
    }
    let core;
    try {
      core = new Proxy(config);
    } catch (error) {
      throw new TypeError(`createProxy: ${typeof error === 'string' ? error : 'invalid options'}`);
    }
    const limit = core.maxBodyBytes();

    /**
     * One request through the rules: answer it here or forward it.
     * @returns {Promise<{ status: number, headers: [string, string][], body: Uint8Array | string }>}
     */
    async function handle(method, target, headers, readBody, authorizeRequest) {
      const headerJson = JSON.stringify(headers);
      let plan = JSON.parse(core.plan(method, target, headerJson));
      if (plan.reply) return plan.reply;
      const refuse = (reason) => JSON.parse(core.refuse(reason, target, headerJson));
      if (authorize) {
        let allowed;
        try {
          allowed = await authorize(...authorizeRequest());
        } catch {
          return refuse('authorize_failed');
        }
        if (!allowed) return refuse('unauthorized');
      }
      let body;
      if (plan.readBody) {
        body = await readBody();
        if (body === null) return refuse('too_large');
        plan = JSON.parse(core.planBody(method, target, headerJson, body));
        if (plan.reply) return plan.reply;
      }
      const forward = plan.forward;
      let upstream;
      try {
        upstream = await fetch(forward.url, {
          method: forward.method,
          headers: forward.headers,
          body: forward.method === 'POST' ? body : undefined,
          // Never follow: a redirect would carry the key header to wherever it points.
          redirect: 'manual',
          signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        });
      } catch (error) {
        return refuse(error?.name === 'TimeoutError' ? 'timeout' : 'unreachable');
      }
      let bytes;
      try {
        bytes = new Uint8Array(await upstream.arrayBuffer());
      } catch {
        return refuse('unreachable');
      }
      const head = JSON.parse(core.respond(upstream.status, JSON.stringify([...upstream.headers]), headerJson));
      return { status: head.status, headers: head.headers, body: core.redact(bytes) };
    }

    /** Fetch standard: Next.js route handlers, Hono, Cloudflare Workers, Deno, Bun. */
    async function fetchHandler(request) {
      const url = new URL(request.url);
      const headers = [...request.headers].filter(([name]) => name !== 'host');
      headers.push(['host', url.host]);
      let reply;
      try {
        reply = await handle(
          request.method,
          url.pathname + url.search,
          headers,
          () => readStream(request.body, limit),
          () => [request],
        );
      } catch {
        // E.g. a body that `authorize` already read. Nothing about the error is shown.
        return new Response('gpt-image proxy: internal error', { status: 500, headers: { 'content-type': 'text/plain' } });
      }
      const body = NULL_BODY.has(reply.status) ? null : reply.body;
      return new Response(body, { status: reply.status, headers: reply.headers });
    }

    /** Node's http server and Express (also when mounted with `app.use(path, proxy.node)`). */
    async function nodeHandler(req, res) {
      try {
        const target = req.originalUrl ?? req.url ?? '';
        const headers = [];
        for (const [name, value] of Object.entries(req.headers ?? {})) {
          if (value === undefined) continue;
          headers.push([name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)]);
        }
        const reply = await handle(
          req.method ?? 'GET',
          target,
          headers,
          () => readNode(req, limit),
          () => [nodeRequest(req, target, headers), req],
        );
        const out = {};
        for (const [name, value] of reply.headers) {
          out[name] = name in out ? `${out[name]}, ${value}` : value;
        }
        const body = NULL_BODY.has(reply.status)
          ? undefined
          : typeof reply.body === 'string'
            ? new TextEncoder().encode(reply.body)
            : reply.body;
        if (body) out['content-length'] = String(body.byteLength);
        res.writeHead(reply.status, out);
        res.end(body);
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('gpt-image proxy: internal error');
      }
    }

    return Object.freeze({ fetch: fetchHandler, node: nodeHandler });
  };
}

/** The whole stream, or null once it passes `limit` bytes (reading stops there). */
async function readStream(stream, limit) {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** A Node request's body, or null past `limit`; a body Express already parsed is reused. */
async function readNode(req, limit) {
  if (req.readableEnded && req.body !== undefined) {
    const body = req.body;
    const bytes =
      body instanceof Uint8Array
        ? body
        : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
    return bytes.byteLength > limit ? null : bytes;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > limit) {
      req.destroy?.();
      return null;
    }
    chunks.push(bytes);
  }
  return concat(chunks, size);
}

function concat(chunks, size) {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The Fetch `Request` the app's `authorize` sees for a Node request (headers, no body). */
function nodeRequest(req, target, headers) {
  const host = headers.find(([name]) => name === 'host')?.[1] ?? 'localhost';
  const init = { method: req.method ?? 'GET', headers: new Headers() };
  for (const [name, value] of headers) {
    try {
      init.headers.append(name, value);
    } catch {
      // A header the Fetch standard will not hold: authorize does not see it.
    }
  }
  return new Request(new URL(target, `http://${host}`), init);
}
