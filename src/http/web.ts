/**
 * Serves the web app (src/web, built into dist/web by `npm ci` or `npm run build:web`) from the same server as
 * the API: hashed assets cached for a year, and index.html for every page address the app routes itself (any
 * GET outside /v1 that asks for HTML), with a content security policy that allows only this origin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built app: dist/web, or another build named by CREDENCE_WEB_ROOT (the browser tests build their own). */
export const webRoot =
  process.env.CREDENCE_WEB_ROOT?.replace(/\/?$/, '/') ?? fileURLToPath(new URL('../../dist/web/', import.meta.url));

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
    // One wildcard route for the hashed assets; their names change with their content, so they keep for a year.
    // Registered in a scope under /assets, so the route table names it /assets/* (as Swagger UI's is /docs/*).
    await app.register(
      async (assets) =>
        assets.register(fastifyStatic, {
          root: `${webRoot}assets`,
          prefix: '/',
          index: false,
          decorateReply: false,
          setHeaders(res) {
            res.header('cache-control', 'public, max-age=31536000, immutable');
            for (const [name, value] of Object.entries(securityHeaders)) res.header(name, value);
          },
        }),
      { prefix: '/assets' },
    );
  }
  // Read once: they are small, and the app's every page address answers with index.html.
  const index = built ? readFileSync(`${webRoot}index.html`, 'utf8') : notBuilt;
  const icon = built ? readFileSync(`${webRoot}favicon.svg`, 'utf8') : undefined;
  const sendIndex = (reply: FastifyReply) =>
    reply
      .code(built ? 200 : 503)
      .headers({ ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      .serializer((payload) => String(payload))
      .send(index);
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get('/favicon.svg', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => {
    if (icon === undefined) return reply.code(404).send({ error: { code: 'not_found', message: 'no icon' } });
    return reply
      .headers({ 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' })
      .serializer((payload) => String(payload))
      .send(icon);
  });
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
