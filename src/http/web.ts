/**
 * Serves the web app (src/web, built into dist/web by `npm ci` or `npm run build:web`) from the same server as
 * the API: hashed assets cached for a year, and index.html for every page address the app routes itself (any
 * GET outside /v1 that asks for HTML), with a content security policy that allows only this origin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const webRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const notBuilt = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Credence</title>
<p>The web app is not built in this checkout. Run <code>npm run build:web</code> (npm ci does it), then reload.
The HTTP API is served: <a href="/docs">/docs</a>.</p></html>`;

export async function registerWeb(
  app: FastifyInstance,
): Promise<(request: FastifyRequest, reply: FastifyReply) => boolean> {
  const built = existsSync(`${webRoot}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        if (path.includes('/assets/')) res.header('cache-control', 'public, max-age=31536000, immutable');
        else res.header('cache-control', 'no-cache');
        for (const [name, value] of Object.entries(securityHeaders)) res.header(name, value);
      },
    });
  }
  // Read once: it is small, and the app's every page address answers with it.
  const index = built ? readFileSync(`${webRoot}index.html`, 'utf8') : notBuilt;
  const sendIndex = (reply: FastifyReply) =>
    reply
      .code(built ? 200 : 503)
      .headers({ ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      .serializer((payload) => String(payload))
      .send(index);
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  /** For the not-found handler: answers a page address of the app with index.html; false for anything else. */
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const wantsPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/v1/') &&
      !path.includes('.') &&
      (request.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return false;
    void sendIndex(reply);
    return true;
  };
}
