// Types of `gpt-image-wasm/webhook`: checking that an Apiframe webhook came from Apiframe, for
// Node servers and edge functions. An entry (and a wasm) of its own, so that an app that only
// makes a client never loads it.

import type { GptImageError } from './index.js';

export { GptImageError } from './index.js';

/** Input of {@link verifyWebhook}. */
export interface WebhookInput {
  /** The raw request body exactly as received, before any JSON parsing. */
  body: string | Uint8Array | ArrayBuffer;
  /** The `X-Webhook-Signature` header; missing means not verified (`false`). */
  signature: string | null | undefined;
  /** The Apiframe API key the job was submitted with. */
  apiKey: string;
}

/**
 * Whether an Apiframe webhook really came from Apiframe: HMAC-SHA256 of the raw body keyed
 * with SHA-256 of your key, compared in constant time. Throws a {@link GptImageError} of kind
 * `invalid_request` on a wrong argument (for example a parsed object as `body`).
 */
export function verifyWebhook(input: WebhookInput): boolean;
