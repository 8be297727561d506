import type { IncomingMessage } from 'node:http';
import { HttpError } from '@beacon/schema';

/**
 * Reads a request body as UTF-8 text with a byte limit, without express.json (LIMITS.md §3: the body
 * parser middleware costs ~90 µs per request more than reading the stream ourselves). An announced
 * Content-Length over the limit is refused before reading; a stream that grows past it is cut off.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return Promise.reject(
      new HttpError(
        415,
        'unsupported_encoding',
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Stop reading a body we refuse; the answer is sent with Connection: close.
        req.pause();
        reject(err);
      } else
        resolve(
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
        );
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) =>
      finish(new HttpError(400, 'body_read_failed', `request body could not be read: ${err.message}`));
    const onAborted = () => finish(new HttpError(400, 'body_read_failed', 'request aborted by the client'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes`, {
    limit_bytes: limit,
  });
}
