// The size bench's peer: the same app as ../submit-and-poll.js with `openai`.
// OpenAI's Images API has no queue: the minimal equivalent is one call that returns the image.
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: 'sk-bench', dangerouslyAllowBrowser: true });
const result = await client.images.generate({ model: 'gpt-image-1.5', prompt: 'a lighthouse at dawn' });
const image = result.data[0];
console.log(image.url ?? `data:image/png;base64,${image.b64_json}`);
