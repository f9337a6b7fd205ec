#!/usr/bin/env node
// Fails when two folders of src/ import each other, directly or around a longer loop (value imports only:
// `import type` is erased at build time). Run by `npm run lint`; docs/architecture.md gives the allowed order.
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(process.argv[2] ?? 'src')
const files = []
const walk = (d) => {
  for (const n of fs.readdirSync(d)) {
    const f = path.join(d, n)
    if (fs.statSync(f).isDirectory()) walk(f)
    else if (f.endsWith('.ts')) files.push(f)
  }
}
walk(root)
const folder = (f) => path.relative(root, f).split(path.sep)[0]
const edges = new Map()
const why = new Map()
const importRe = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\s+from\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm
for (const f of files) {
  const a = folder(f)
  if (a.endsWith('.ts')) continue
  for (const m of fs.readFileSync(f, 'utf8').matchAll(importRe)) {
    const b = folder(path.resolve(path.dirname(f), m[1] ?? m[2]))
    if (a === b || b.endsWith('.ts') || b.endsWith('.js')) continue
    if (!edges.has(a)) edges.set(a, new Set())
    edges.get(a).add(b)
    if (!why.has(`${a}>${b}`)) why.set(`${a}>${b}`, path.relative(process.cwd(), f))
  }
}
// Tarjan's strongly connected components: any with more than one folder is a cycle.
let index = 0
const idx = new Map()
const low = new Map()
const stack = []
const on = new Set()
const cycles = []
const strong = (v) => {
  idx.set(v, index)
  low.set(v, index++)
  stack.push(v)
  on.add(v)
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w)
      low.set(v, Math.min(low.get(v), low.get(w)))
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
  }
  if (low.get(v) === idx.get(v)) {
    const comp = []
    let w
    do {
      w = stack.pop()
      on.delete(w)
      comp.push(w)
    } while (w !== v)
    if (comp.length > 1) cycles.push(comp)
  }
}
for (const v of edges.keys()) if (!idx.has(v)) strong(v)
if (cycles.length === 0) {
  console.log(`check-cycles: no import cycle between the ${new Set(files.map(folder)).size} folders of src/`)
  process.exit(0)
}
for (const comp of cycles) {
  console.error(`check-cycles: these folders of src/ import each other: ${comp.sort().join(', ')}`)
  for (const a of comp)
    for (const b of edges.get(a) ?? []) if (comp.includes(b)) console.error(`  ${a} -> ${b} (e.g. ${why.get(`${a}>${b}`)})`)
}
console.error('Move the shared piece down (util/, or the folder both depend on), or import it as a type.')
process.exit(1)
