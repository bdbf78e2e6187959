// The size bench's peer: the same app as ../submit-and-poll.js with `@fal-ai/client`.
// Create a client with a key, submit to the queue, poll until done, print the image URL.
import { createFalClient } from '@fal-ai/client';

const fal = createFalClient({ credentials: 'fal_bench' });
const endpoint = 'fal-ai/gpt-image-1.5';
const { request_id: requestId } = await fal.queue.submit(endpoint, {
  input: { prompt: 'a lighthouse at dawn' },
});
await fal.queue.subscribeToStatus(endpoint, {
  requestId,
  mode: 'polling',
  onQueueUpdate: (u) => console.log(u.status),
});
const result = await fal.queue.result(endpoint, { requestId });
console.log(result.data.images[0].url);
