/**
 * Seeded randomness for the chaos suite: every file prints its seed, and CHAOS_SEED=<n> replays the same rounds.
 * mulberry32: small, fast, and good enough to pick moments and shapes.
 */
export interface Random {
  readonly seed: number
  /** [0, 1) */
  next(): number
  /** An integer in [min, max] */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

export function seededRandom(label: string): Random {
  const fromEnv = Number(process.env.CHAOS_SEED)
  const seed = Number.isInteger(fromEnv) && process.env.CHAOS_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31)
  console.log(`chaos ${label}: seed ${seed} (replay with CHAOS_SEED=${seed})`)
  const next = mulberry32(seed)
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  }
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere; a float in [0, 1) per call. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs fn, or rejects once ms have passed: each chaos round is bounded. */
export async function bounded<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms}ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
