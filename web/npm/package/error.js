// The one error class of gpt-image-wasm. The wasm glue imports this file by its relative path
// and the entry files re-export it, so every rejection is an instance of this very class.

/**
 * Why a call failed. `kind` says what to do about it; the other fields are set when known.
 * The API key never appears in any of them.
 */
export class GptImageError extends Error {
  /**
   * @param {string} message what happened and what to do, for a person
   * @param {{ kind: string, status?: number, code?: string, requestId?: string, body?: string,
   *   field?: string, jobId?: string, retryAfterMs?: number }} details
   */
  constructor(message, details) {
    super(message);
    this.name = 'GptImageError';
    this.kind = details.kind;
    for (const key of ['status', 'code', 'requestId', 'body', 'field', 'jobId', 'retryAfterMs']) {
      if (details[key] !== undefined) this[key] = details[key];
    }
  }
}
