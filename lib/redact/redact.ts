/**
 * One redaction layer for everything ferry prints: secrets from the environment (and any
 * registered ones) in every form they travel in, credentials in URLs and Authorization header
 * values. GitHub's log masking hides a token's plain form only; git's arguments carry it as
 * base64 of `x-access-token:<token>`, which this finds too.
 */

/** Shown instead of a secret. */
export const MASK = '***';

/** Always secrets when set, whatever their length. */
const SECRET_VARIABLES = ['GITHUB_TOKEN', 'GH_TOKEN', 'ARGOCD_AUTH_TOKEN'];
/** Variables whose name says they hold a secret. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i;
/**
 * Shorter values are not redacted: a 4-letter "secret" would mask ordinary words everywhere (and
 * a test's ARGOCD_AUTH_TOKEN=expired would mask "expired" in messages).
 */
export const MIN_SECRET_LENGTH = 8;

/** Options of a redactor. */
export interface RedactorProps {
  /**
   * Environment to take secrets from: GITHUB_TOKEN, GH_TOKEN, ARGOCD_AUTH_TOKEN and any variable
   * whose name matches /TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i, when at least MIN_SECRET_LENGTH long.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Further secrets (at least 4 characters).
   * @default []
   */
  readonly secrets?: readonly string[];
}

/** Replaces secrets in text. */
export class Redactor {
  /** Every form of every secret, longest first, so a longer form is masked whole. */
  private forms: string[] = [];
  private readonly secrets = new Set<string>();

  public constructor(props: RedactorProps = {}) {
    for (const [name, value] of Object.entries(props.env ?? {})) {
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH && (SECRET_VARIABLES.includes(name) || SECRET_NAME.test(name))) this.add(value);
    }
    for (const secret of props.secrets ?? []) this.register(secret);
  }

  /** Adds a secret known at run time (a token fetched from a service). */
  public register(secret: string): void {
    if (secret.length >= 4) this.add(secret);
  }

  /** `text` with every secret form, URL credential and Authorization value masked. */
  public redact(text: string): string {
    let result = text;
    for (const form of this.forms) if (result.includes(form)) result = result.split(form).join(MASK);
    return redactCredentials(result);
  }

  private add(secret: string): void {
    if (this.secrets.has(secret)) return;
    this.secrets.add(secret);
    const forms = new Set([...this.forms, ...secretForms(secret)]);
    this.forms = [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
  }
}

/**
 * The forms a secret travels in: plain, URL-encoded, base64 of the value and of
 * `x-access-token:<value>`, and the base64 of the value at each of the 3 byte alignments, which
 * is found inside the base64 of any `<user>:<value>` or longer text.
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret, encodeURIComponent(secret), Buffer.from(`x-access-token:${secret}`).toString('base64'), bytes.toString('base64')]);
  for (let offset = 0; offset < 3; offset++) {
    const fragment = alignedBase64(bytes, offset);
    if (fragment.length >= 4) {
      forms.add(fragment);
      forms.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].filter((f) => f !== '');
}

/**
 * The base64 characters determined by `bytes` alone when they follow `offset` (0, 1 or 2) other
 * bytes: the characters shared by the base64 of every text with `bytes` at that alignment.
 */
function alignedBase64(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
  const total = offset + bytes.length;
  const start = [0, 2, 3][offset]!;
  const end = Math.floor(total / 3) * 4 + [0, 1, 2][total % 3]!;
  return encoded.slice(start, end);
}

/**
 * `https://user:pass@host` → `https://***@host`, for the schemes that carry credentials (not
 * `docker://image@sha256:...`, where the `@` starts a digest).
 */
const URL_CREDENTIALS = /\b((?:https?|wss?|ftps?|ssh|git|git\+ssh|git\+https|svn|redis|rediss|postgres|postgresql|mysql|mongodb|mongodb\+srv|amqps?):\/\/)[^\s/?#@'"`<>]+@/gi;
/** `Authorization: Basic xyz`, `authorization=Bearer xyz`, `"Authorization":"token xyz"`. */
const AUTHORIZATION = /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token|digest)\s+)?[^\s"',;]+/gi;

/** Masks credentials in URLs and Authorization header values, whatever the secret. */
export function redactCredentials(text: string): string {
  if (!text.includes('@') && !/authorization/i.test(text)) return text;
  return text.replace(URL_CREDENTIALS, `$1${MASK}@`).replace(AUTHORIZATION, (_match, prefix: string, scheme: string | undefined) => `${prefix}${scheme ? `${scheme} ` : ''}${MASK}`);
}
