/**
 * Strict Pulumi mocks for the infrastructure program: every `call` must be one the program is
 * expected to make (anything else throws), every new resource is recorded with its inputs. Each
 * runProgram() installs fresh mocks and a fresh record, so runs in one file never share state.
 */
import { readFileSync } from 'node:fs';
import type { Platform } from '../../model/platform.js';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import YAML from 'yaml';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const AMI_ID = 'ami-0abcdef1234567890';
/** The test platform's repository (its platform.ts and stack files), not this repository's sample. */
export const ROOT = join(import.meta.dirname, '..', 'fixtures', 'shop');

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, any>;
}

export type CallAnswer = (inputs: Record<string, any>) => Record<string, unknown>;

/** The data-source calls the program may make, answered with fixed values. */
export const KNOWN_CALLS: Readonly<Record<string, CallAnswer>> = {
  'aws:index/getCallerIdentity:getCallerIdentity': () => ({
    id: ACCOUNT,
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
    userId: 'AIDAEXAMPLE',
  }),
  'aws:index/getRegion:getRegion': () => ({
    id: REGION,
    region: REGION,
    name: REGION,
    endpoint: `ec2.${REGION}.amazonaws.com`,
    description: 'Europe (Ireland)',
  }),
  'aws:ec2/getAmi:getAmi': (inputs) => ({ id: AMI_ID, imageId: AMI_ID, name: String(inputs.filters?.[0]?.values?.[0] ?? '').replace('*', '20250101'), ownerId: inputs.owners?.[0] }),
  'aws:ecr/getRepository:getRepository': (inputs) => ({
    id: inputs.name,
    name: inputs.name,
    arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${inputs.name}`,
    repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${inputs.name}`,
  }),
  'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider': (inputs) => ({
    id: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
    arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
    url: inputs.url,
  }),
};

/** State the cloud would compute for a new resource. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case 'aws:ecr/repository:Repository':
      return { arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${inputs.name}`, repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${inputs.name}` };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${inputs.name ?? name}`, name: inputs.name ?? name };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { name: inputs.name ?? `${name}-0a1b2c` };
    case 'aws:ec2/eip:Eip':
      return { publicIp: '203.0.113.10' };
    default:
      return {};
  }
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly calls: RecordedCall[];
  readonly outputs: any;
}

export interface RunOptions {
  /** Stack (environment) name. */
  readonly stack: string;
  /** Full config keys ('ferry:images', 'aws:region') to string values, as Pulumi passes them. */
  readonly config: Readonly<Record<string, string>>;
  /** Replaces answers of known calls (e.g. another account). */
  readonly calls?: Readonly<Record<string, CallAnswer>>;
  /** Another platform than the test platform's (same stacks and registry). */
  readonly platform?: Platform;
}

async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return resolveDeep(await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve)));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === 'object' && !(value instanceof pulumi.Resource)) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Runs the real program (`platformProgram`) of the test platform (test/fixtures/shop) for one stack under fresh strict mocks. */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const answers = { ...KNOWN_CALLS, ...(options.calls ?? {}) };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) } };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        const answer = answers[args.token];
        if (!answer) throw new Error(`strict mocks: unexpected call '${args.token}' with ${JSON.stringify(args.inputs)}`);
        return answer(args.inputs);
      },
    },
    'ferry',
    options.stack,
    false,
  );
  pulumi.runtime.setAllConfig({ ...options.config });
  const { platformProgram } = await import('../../stacks/program.js');
  const platform = options.platform ?? (await import('../fixtures/shop/platform/platform.js')).platform;
  const main = platformProgram(platform);
  const outputs = await resolveDeep(await main());
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { resources: resources.filter((r) => !r.type.startsWith('pulumi:providers:')), calls, outputs };
}

/** The config of a sample stack file as Pulumi hands it to the program: strings, JSON for structures. */
export function sampleStackConfig(stack: string): Record<string, string> {
  const doc = YAML.parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function only(run: ProgramRun, type: string): RecordedResource {
  const found = ofType(run, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.map((r) => r.name).join(', ') || 'none'}`);
  return found[0]!;
}

export function named(run: ProgramRun, name: string): RecordedResource {
  const found = run.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named '${name}'; resources: ${run.resources.map((r) => r.name).join(', ')}`);
  return found;
}
