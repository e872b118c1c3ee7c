/** Serves fixed files on a loopback port: a page of an app on another origin than the token service. */
import { createServer, type Server } from 'node:http';

export interface StaticOrigin {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** A blank page whose only script is `script` (a module), with the data: favicon every page needs here. */
export function blankPage(title: string, script = ''): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>` +
    (script === '' ? '' : `<script type="module">${script}</script>`) +
    `</head><body><p>${title}</p></body></html>`
  );
}

/** Answers GET for each path in `files` (content type from the extension, `/` as HTML), 404 for anything else. */
export function serveStaticOrigin(port: number, files: Readonly<Record<string, string | Buffer>>): Promise<StaticOrigin> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const body = files[path];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const extension = path === '/' ? 'html' : path.slice(path.lastIndexOf('.') + 1);
    response
      .writeHead(200, { 'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      .end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
