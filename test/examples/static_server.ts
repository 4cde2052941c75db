/** A tiny static HTTP server on 127.0.0.1 for the browser tests: URL path → file on disk. */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /** Paths requested so far (for failure messages). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `mounts`: URL prefix (`/`, `/model/`) → folder, or exact URL path → file; the longest
 * match wins. Anything else is 404.
 */
export async function startStaticServer(mounts: Record<string, string>): Promise<StaticServer> {
  const requests: string[] = [];
  const resolve = (urlPath: string): string | undefined => {
    if (mounts[urlPath] && fs.statSync(mounts[urlPath]).isFile()) return mounts[urlPath];
    const prefix = Object.keys(mounts)
      .filter((p) => p.endsWith('/') && urlPath.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return undefined;
    const file = path.join(mounts[prefix], urlPath.slice(prefix.length) || 'index.html');
    return file.startsWith(path.resolve(mounts[prefix])) && fs.existsSync(file) ? file : undefined;
  };
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(urlPath);
    const file = resolve(urlPath);
    if (!file || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
