import { randomUUID } from 'crypto';
import { connect } from 'net';
import { createOrgFixture, startTestApp, TEST_INSTANTLY_SECRET, TestApp } from './support/test-app';

const METRICS_TOKEN = 'edge-metrics-token-0123456789';

interface RawAnswer {
  status: number;
  body: string;
}

/** Sends one request as written (any request line) and reads the answer until the server closes. */
function raw(port: number, head: string, body: string | Buffer = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => (chunks.length ? undefined : reject(err)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${bytes.length}\r\n\r\n`);
    socket.write(bytes);
  });
}

/** An answer with what differs between two stores of the same request (ids, request ids) left out. */
const normalized = (a: RawAnswer) => ({
  status: a.status,
  body: a.body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>'),
});

/**
 * Receipt has one declared edge (src/http/webhook-receiver.fast-path.ts, ahead of the Express
 * application), kept because the stock Express + Nest pipeline receives at 0.42-0.51× its rate
 * (docs/operations.md). With it on and off (WEBHOOK_RECEIPT_FRONT), every request form gets the
 * same answer.
 */
describe('webhook receipt: the edge and the stock pipeline answer alike', () => {
  let front: TestApp;
  let stock: TestApp;
  let ports: { front: number; stock: number };
  let credential = '';

  beforeAll(async () => {
    front = await startTestApp({ METRICS_TOKEN });
    stock = await startTestApp({ METRICS_TOKEN, WEBHOOK_RECEIPT_FRONT: 'false' });
    ports = { front: await front.listen(), stock: await stock.listen() };
    const org = await createOrgFixture(front.owner, 'Edge');
    credential = (
      await front.http().post(`/api/admin/organizations/${org.id}/webhook-credential`).set(org.as('owner')).send({}).expect(201)
    ).body.data.secret as string;
  });
  afterAll(async () => {
    await stock.close();
    await front.close();
  });

  const event = (tag: string) =>
    JSON.stringify({ event_type: 'email_opened', workspace: `edge-${tag}`, lead_email: `${tag}@edge.example` });
  const post = (path: string, secret: string | null, extra = '') =>
    `POST ${path} HTTP/1.1\r\nContent-Type: application/json${secret === null ? '' : `\r\nx-webhook-secret: ${secret}`}${extra}`;
  const big = Buffer.alloc(1024 * 1024 + 10, 'a');

  const cases: [string, (tag: string) => [string, string | Buffer]][] = [
    ['a stored event', (tag) => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), event(tag)]],
    ['the same event again (a duplicate)', (tag) => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), event(`duplicate-${tag}`)]],
    ['a wrong secret', (tag) => [post('/api/webhooks/instantly', 'wrong-secret-wrong-secret'), event(tag)]],
    ['no secret', (tag) => [post('/api/webhooks/instantly', null), event(tag)]],
    ['a body that is not JSON', () => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), '{"event_type": ']],
    ['a JSON array', () => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), '[1, 2]']],
    ['no event type', () => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), '{"workspace": "w"}']],
    ['a body over 1 MB', () => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), big]],
    ['a body over 1 MB with a wrong secret', () => [post('/api/webhooks/instantly', 'wrong-secret-wrong-secret'), big]],
    ['an organization’s credential', (tag) => [post('/api/webhooks/instantly', credential), event(tag)]],
    [
      'an organization’s credential, a body over its limit',
      (tag) => [post('/api/webhooks/instantly', credential), event(tag).replace('}', `, "pad": "${'p'.repeat(300_000)}"}`)],
    ],
    [
      'a __proto__ key',
      (tag) => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET), event(tag).replace('{', '{"__proto__": {"x": 1}, ')],
    ],
    ['a wrong credential', (tag) => [post('/api/webhooks/instantly', `sbwh_${'x'.repeat(43)}`), event(tag)]],
    ['a body over 1 MB with a wrong credential', () => [post('/api/webhooks/instantly', `sbwh_${'x'.repeat(43)}`), big]],
    ['an unknown source', (tag) => [post('/api/webhooks/nosuchsource', TEST_INSTANTLY_SECRET), event(tag)]],
    ['an unconfigured source', (tag) => [post('/api/webhooks/zapier', 'zapier-secret-0123456789'), event(tag)]],
    ['another source with its secret', (tag) => [post('/api/webhooks/n8n', 'n8n-test-secret-0123456789'), event(tag)]],
    ['an absolute-form request line', (tag) => [post('http://127.0.0.1/api/webhooks/instantly', TEST_INSTANTLY_SECRET), event(tag)]],
    [
      'an absolute-form request line, wrong secret',
      (tag) => [post('http://127.0.0.1/api/webhooks/instantly', 'wrong-secret-wrong-secret'), event(tag)],
    ],
    ['the path in capitals', (tag) => [post('/API/WEBHOOKS/INSTANTLY', TEST_INSTANTLY_SECRET), event(tag)]],
    ['a query string', (tag) => [post('/api/webhooks/instantly?x=1', TEST_INSTANTLY_SECRET), event(tag)]],
    [
      'a text/plain body',
      (tag) => [post('/api/webhooks/instantly', TEST_INSTANTLY_SECRET).replace('application/json', 'text/plain'), event(tag)],
    ],
  ];

  it.each(cases)('%s', async (name, make) => {
    // The two apps share a database: each sends its own event (a duplicate: its own, twice).
    const answer = async (port: number) => {
      const [head, body] = make(randomUUID());
      if (name.includes('duplicate')) await raw(port, head, body);
      return raw(port, head, body);
    };
    const a = await answer(ports.front);
    const b = await answer(ports.stock);
    expect(a.status).toBeGreaterThan(0);
    expect(normalized(b)).toEqual(normalized(a));
  });

  // Runs after the cases above (jest keeps the order within a file): both apps got the same requests.
  it('counts the refusals alike (webhooks_rejected_total, by source and status)', async () => {
    const rejected = async (app: TestApp) => {
      const res = await app.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      return res.text.split('\n').filter((line) => line.startsWith('webhooks_rejected_total{'));
    };
    const atEdge = await rejected(front);
    expect(atEdge.length).toBeGreaterThan(3);
    expect(await rejected(stock)).toEqual(atEdge);
  });
});
