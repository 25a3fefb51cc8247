/**
 * Waves: a promotion rolled out region by region. `--waves 'prod-us,prod-eu+prod-asia' --soak 2h`
 * names the waves in order (`,` between waves, `+` between the environments of one wave, globs
 * allowed); each run of `ferry promote` promotes the first wave that does not run the tags yet, in
 * one commit, and only once every earlier wave runs those same tags and the previous wave has run
 * them for the soak (from the git history of its stack files, first parent, against the injected
 * clock). Every environment's own gates still apply. Nothing is scheduled: a workflow or a person
 * runs the command again, and a run that comes too early is refused saying when the wave is ready.
 */
import { readProjectName, stackFileName } from '../../model/stack-config.js';
import { formatDuration, formatTime } from '../../model/gate.js';
import type { Environment, Platform } from '../../model/platform.js';
import { Git } from '../git/git.js';
import { StackHistory } from './stack-history.js';
import { planPromotion, PromotionError, resolveTargets, type ImageRegistry, type PromotionRequest } from './promotion.js';

/** The waves of a `--waves` value, each a list of environments, in order; throws naming the value. */
export function parseWaves(platform: Platform, text: string): Environment[][] {
  const waves = text.split(',').map((w) => w.trim());
  if (waves.length < 2 || waves.some((w) => w === '')) {
    throw new Error(`--waves '${text}': name at least two waves, separated by ',' (environments of one wave joined by '+'), e.g. 'prod-us,prod-eu+prod-asia'`);
  }
  const seen = new Map<string, number>();
  return waves.map((wave, i) => {
    const envs = resolveTargets(platform, wave.split('+').map((p) => p.trim()));
    for (const env of envs) {
      const earlier = seen.get(env.name);
      if (earlier !== undefined) throw new Error(`--waves '${text}': ${env.name} is in wave ${earlier + 1} and wave ${i + 1}; each environment is in one wave`);
      seen.set(env.name, i);
    }
    return envs;
  });
}

/** `--soak` as hours: `2h`, `30m`, `1h30m`, `0`. */
export function parseSoak(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(text.trim());
  if (text.trim() === '0') return 0;
  if (!match || (match[1] === undefined && match[2] === undefined)) throw new Error(`--soak '${text}' is not a duration; allowed: like 2h, 30m, 1h30m, or 0`);
  return Number(match[1] ?? 0) + Number(match[2] ?? 0) / 60;
}

/** One service's tag a wave would deploy. */
export interface WaveService {
  readonly service: string;
  readonly tag: string;
}

/**
 * Why wave `index` may not be promoted yet, or undefined when it may: every environment of the
 * earlier waves must run each tag now, and the previous wave for at least `soakHours` (the latest
 * of its environments' changes counts).
 */
export function waveRefusal(root: string, waves: readonly (readonly Environment[])[], index: number, services: readonly WaveService[], soakHours: number, now: Date, env?: Readonly<Record<string, string | undefined>>): string | undefined {
  if (index === 0) return undefined;
  const project = readProjectName(root);
  const git = new Git(root, env);
  const earlier = waves.slice(0, index).flat();
  const histories = StackHistory.readAll(git, earlier.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project);
  const describe = (i: number) => `wave ${i + 1} of ${waves.length} (${waves[i]!.map((e) => e.name).join(', ')})`;
  const problems: string[] = [];
  let readyAt = 0;
  for (const { service, tag } of services) {
    for (const [i, wave] of waves.slice(0, index).entries()) {
      for (const e of wave) {
        const current = histories.get(e.name)!.current(service);
        if (current?.tag !== tag) {
          problems.push(`${service} ${tag} does not run in ${e.name} (${describe(i)}; it runs ${current?.tag ?? 'nothing committed'}); promote that wave first`);
          continue;
        }
        if (i !== index - 1 || soakHours <= 0) continue;
        const since = current.revision.date;
        const soaked = now.getTime() - since.getTime();
        const required = soakHours * 3600_000;
        if (soaked < required) {
          readyAt = Math.max(readyAt, since.getTime() + required);
          problems.push(`${service} ${tag} has run in ${e.name} for ${formatDuration(soaked)} since ${formatTime(since)} (commit ${current.revision.commit.slice(0, 7)})`);
        }
      }
    }
  }
  if (problems.length === 0) return undefined;
  const soak = soakHours > 0 ? ` to soak ${formatDuration(soakHours * 3600_000)}` : '';
  const ready = readyAt > 0 ? `; ready at ${formatTime(new Date(readyAt))}` : '';
  return `${describe(index)} waits for ${describe(index - 1)}${soak}: ${problems.join('; ')}${ready}`;
}

/** The wave a run promotes (its environments, as `to`), or the text saying every wave runs the tags. */
export type WaveChoice = { readonly index: number; readonly to: readonly string[]; readonly text: string } | { readonly done: string };

/**
 * The first wave whose plan changes something, checked against the earlier waves (throws a
 * PromotionError saying why it waits); planning refusals of that wave (gates) are thrown as usual.
 */
export async function chooseWave(
  root: string,
  platform: Platform,
  request: PromotionRequest,
  registry: ImageRegistry,
  waves: readonly (readonly Environment[])[],
  soakHours: number,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<WaveChoice> {
  for (const [index, wave] of waves.entries()) {
    const to = wave.map((e) => e.name);
    const plan = await planPromotion(root, platform, { ...request, to }, registry, { env });
    if (plan.services.length === 0) continue;
    const services = plan.services.filter((s, i, all) => all.findIndex((o) => o.service === s.service && o.tag === s.tag) === i);
    const refusal = waveRefusal(root, waves, index, services, soakHours, request.now ?? new Date(), env);
    if (refusal !== undefined) throw new PromotionError(refusal);
    return { index, to, text: `wave ${index + 1} of ${waves.length}: ${to.join(', ')}` };
  }
  return { done: `every wave (${waves.map((w) => w.map((e) => e.name).join('+')).join(', ')}) runs it already; nothing to promote` };
}
