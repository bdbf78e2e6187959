// The size bench's peer: the same app as ../submit-and-poll.js with `replicate`.
// Create a client with a key, submit a prediction, poll until done, print the image URL.
import Replicate from 'replicate';

const replicate = new Replicate({ auth: 'r8_bench' });
const prediction = await replicate.predictions.create({
  model: 'openai/gpt-image-1.5',
  input: { prompt: 'a lighthouse at dawn' },
});
const done = await replicate.wait(prediction, {}, async (p) => {
  console.log(p.status);
  return false;
});
console.log(Array.isArray(done.output) ? done.output[0] : done.output);
