import { AddressInfo } from 'net';
import type { Server } from 'http';
import request from 'supertest';
import { JsonExpressAdapter } from '../src/http/json-express.adapter';

/** The adapter's front on a real server: what it answers, what it passes on, and a handler that throws. */
describe('the HTTP adapter front', () => {
  const start = (front: Parameters<JsonExpressAdapter['setFront']>[0]) => {
    const adapter = new JsonExpressAdapter();
    adapter.getInstance().get('/app', (_req: unknown, res: { json(v: unknown): void }) => res.json({ from: 'app' }));
    adapter.setFront(front);
    adapter.initHttpServer({});
    const server = adapter.getHttpServer() as Server;
    return new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  };
  const stop = (server: Server) => new Promise((r) => server.close(r));

  it('answers what it handles, passes the rest on to the Express application, and turns a throw into a 500 without ending the process', async () => {
    const server = await start((req, res, next) => {
      if (req.url === '/front') return void res.end('front');
      if (req.url === '/throw') throw new Error('front handler failed');
      next();
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const base = `http://127.0.0.1:${port}`;
      expect((await request(base).get('/front')).text).toBe('front');
      expect((await request(base).get('/app')).body).toEqual({ from: 'app' });
      const failed = await request(base).get('/throw');
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ success: false, statusCode: 500 });
      expect(JSON.stringify(failed.body)).not.toMatch(/front handler failed|at /);
      // Still serving.
      expect((await request(base).get('/app')).status).toBe(200);
    } finally {
      await stop(server);
    }
  });
});
