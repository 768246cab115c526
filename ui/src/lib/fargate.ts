// Fargate's valid CPU/memory pairs (the same table as chalicelib/catalog/models.py FARGATE):
// the form offers these only, so an invalid pair cannot be picked.
const RANGES: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
};

export const CPU_CHOICES = Object.keys(RANGES).map(Number);

export function memoryChoices(cpu: number): number[] {
  const range = RANGES[cpu];
  if (!range) return [];
  const [lo, hi, step] = range;
  const out: number[] = [];
  for (let m = lo; m <= hi; m += step) out.push(m);
  return out;
}

/** The memory to keep when the CPU changes: the same if still valid, else the nearest valid one. */
export function fitMemory(cpu: number, memory: number): number {
  const choices = memoryChoices(cpu);
  if (choices.includes(memory)) return memory;
  return choices.reduce((best, m) => (Math.abs(m - memory) < Math.abs(best - memory) ? m : best), choices[0] ?? 512);
}

export const cpuLabel = (cpu: number) => `${cpu / 1024} vCPU`;
export const memoryLabel = (mib: number) => (mib >= 1024 ? `${mib / 1024} GB` : `${mib} MB`);
