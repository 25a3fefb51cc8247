/**
 * Kubernetes CPU and memory quantities: the one parser that both the model's checks and the
 * constructs use, so a value the model accepts always renders.
 */

/** CPU and memory as Kubernetes quantities ("250m", "256Mi"). */
export interface ResourceQuantities {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of a container. */
export interface ResourceRequirements {
  readonly requests: ResourceQuantities;
  readonly limits: ResourceQuantities;
}

/** The memory units accepted; binary only, because the rendered pod spec is in whole binary units. */
export const MEMORY_UNITS = ['Ki', 'Mi', 'Gi', 'Ti'] as const;
export type MemoryUnit = (typeof MEMORY_UNITS)[number];

const CPU = /^(?:(\d{1,6})m|(\d{1,3}(?:\.\d{1,3})?))$/;
const MEMORY = /^(\d{1,7})(Ki|Mi|Gi|Ti)$/;

/** Millicores of a CPU quantity ('250m' → 250, '0.5' → 500), or undefined when it is not one. */
export function parseCpuMillis(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = CPU.exec(value);
  if (!match) return undefined;
  const millis = match[1] !== undefined ? Number(match[1]) : Math.round(Number(match[2]) * 1000);
  return millis > 0 ? millis : undefined;
}

/** Amount and unit of a memory quantity ('256Mi' → { amount: 256, unit: 'Mi' }), or undefined. */
export function parseMemory(value: unknown): { readonly amount: number; readonly unit: MemoryUnit; readonly bytes: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = MEMORY.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as MemoryUnit;
  if (amount === 0) return undefined;
  return { amount, unit, bytes: amount * 2 ** (10 * (MEMORY_UNITS.indexOf(unit) + 1)) };
}

/** Throws unless every quantity is well formed and no request exceeds its limit; unknown keys are refused. */
export function checkResources(resources: ResourceRequirements, where: string): void {
  if (!resources || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new Error(`${where}: ${JSON.stringify(resources)} must be { requests: { cpu, memory }, limits: { cpu, memory } }`);
  }
  for (const key of Object.keys(resources)) {
    if (key !== 'requests' && key !== 'limits') throw new Error(`${where}.${key}: unknown key; allowed: requests, limits`);
  }
  for (const side of ['requests', 'limits'] as const) {
    const q = resources[side];
    if (!q || typeof q !== 'object' || Array.isArray(q)) throw new Error(`${where}.${side}: missing; give { cpu: '250m', memory: '256Mi' }`);
    for (const key of Object.keys(q)) {
      if (key !== 'cpu' && key !== 'memory') throw new Error(`${where}.${side}.${key}: unknown key; allowed: cpu, memory`);
    }
    if (parseCpuMillis(q.cpu) === undefined) {
      throw new Error(`${where}.${side}.cpu: ${JSON.stringify(q.cpu)} is not a CPU quantity; allowed: millicores like '250m' or cores like '1' or '0.5'`);
    }
    if (parseMemory(q.memory) === undefined) {
      throw new Error(`${where}.${side}.memory: ${JSON.stringify(q.memory)} is not a memory quantity; allowed: a whole number with ${MEMORY_UNITS.join(', ')} like '256Mi'`);
    }
  }
  if (parseCpuMillis(resources.requests.cpu)! > parseCpuMillis(resources.limits.cpu)!) {
    throw new Error(`${where}: requests.cpu '${resources.requests.cpu}' exceeds limits.cpu '${resources.limits.cpu}'`);
  }
  if (parseMemory(resources.requests.memory)!.bytes > parseMemory(resources.limits.memory)!.bytes) {
    throw new Error(`${where}: requests.memory '${resources.requests.memory}' exceeds limits.memory '${resources.limits.memory}'`);
  }
}
