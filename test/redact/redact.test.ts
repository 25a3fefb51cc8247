import { MASK, Redactor, redactCredentials, secretForms } from '../../lib/redact/redact.js';

const TOKEN = 'ghs_FAKEtoken0123456789abcdef';
const b64 = (text: string) => Buffer.from(text).toString('base64');

test('a secret from the environment is masked in every form it travels in', () => {
  const redactor = new Redactor({ env: { GITHUB_TOKEN: TOKEN } });
  const forms = [
    TOKEN,
    b64(TOKEN),
    b64(`x-access-token:${TOKEN}`),
    `http.https://github.com/.extraheader=AUTHORIZATION: basic ${b64(`x-access-token:${TOKEN}`)}`,
  ];
  for (const form of forms) expect(redactor.redact(`before ${form} after`)).toMatch(/^before .*\*\*\*.* after$/);
  for (const form of forms) expect(redactor.redact(`before ${form} after`)).not.toMatch(/FAKEtoken|RkFLRXRva2Vu/);
  const password = new Redactor({ env: { FERRY_REGISTRY_PASSWORD: 'p@ss/word+1&x' } });
  expect(password.redact(`https://registry.example.com/token?password=${encodeURIComponent('p@ss/word+1&x')}&x=1`)).toBe(`https://registry.example.com/token?password=${MASK}&x=1`);
  // Inside the base64 of any `<user>:<token>` or longer text, at every byte alignment.
  for (const user of ['a', 'ab', 'abc', 'oauth2', 'x-access-token', 'someone@example.com']) {
    const encoded = b64(`${user}:${TOKEN}:trailing`);
    const redacted = redactor.redact(encoded);
    expect([user, redacted.includes(MASK)]).toEqual([user, true]);
    expect(redacted.length).toBeLessThan(encoded.length);
  }
});

test('which environment variables are secrets', () => {
  const env = {
    GH_TOKEN: 'gh-token-value-1',
    ARGOCD_AUTH_TOKEN: 'argocd-token-1',
    FERRY_REGISTRY_PASSWORD: 'registry-pass-1',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-key-1',
    MY_API_KEY: 'api-key-value-1',
    DB_CREDENTIALS: 'credentials-val',
    SHORT_TOKEN: 'short',
    HOME: '/home/someone-long',
  };
  const redactor = new Redactor({ env });
  expect(redactor.redact(Object.values(env).join(' '))).toBe(`${Array(6).fill(MASK).join(' ')} short /home/someone-long`);
  expect(new Redactor({ secrets: ['runtime-token'] }).redact('got runtime-token')).toBe(`got ${MASK}`);
});

test('credentials in URLs and Authorization values are masked whatever the secret', () => {
  expect(redactCredentials('cloning https://x-access-token:abc@github.com/o/r.git and ssh://git@host/r')).toBe('cloning https://***@github.com/o/r.git and ssh://***@host/r');
  expect(redactCredentials('pinned docker://image@sha256:abc and git@github.com:o/r')).toBe('pinned docker://image@sha256:abc and git@github.com:o/r');
  expect(redactCredentials('Authorization: Bearer abc.def.ghi, next')).toBe('Authorization: Bearer ***, next');
  expect(redactCredentials('-c http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M= fetch')).toBe('-c http.extraheader=AUTHORIZATION: basic *** fetch');
  expect(redactCredentials('{"authorization":"token xyz"}')).toBe('{"authorization":"token ***"}');
  expect(redactCredentials('the Authorization header is missing')).toBe('the Authorization header is missing');
});

test('forms: plain, URL-encoded, base64 whole and at three alignments (url-safe too)', () => {
  const forms = secretForms('p@ss/word+1');
  expect(forms).toEqual(expect.arrayContaining(['p@ss/word+1', 'p%40ss%2Fword%2B1', b64('p@ss/word+1'), b64('x-access-token:p@ss/word+1')]));
  expect(forms.length).toBeGreaterThanOrEqual(7);
});
