/**
 * Which keys the schema allows at a field path, for "did you mean" on unknown keys. Walks the zod schema,
 * looking through wrappers (default, optional, effects) and into records and unions of objects.
 */
import {z} from 'zod'

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let cur = schema
  for (;;) {
    if (cur instanceof z.ZodEffects) cur = cur.innerType()
    else if (cur instanceof z.ZodDefault) cur = cur._def.innerType
    else if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap()
    else return cur
  }
}

function objectsIn(schema: z.ZodTypeAny): z.AnyZodObject[] {
  const s = unwrap(schema)
  if (s instanceof z.ZodObject) return [s]
  if (s instanceof z.ZodUnion) return (s.options as z.ZodTypeAny[]).flatMap(objectsIn)
  return []
}

function childAt(schema: z.ZodTypeAny, key: string | number): z.ZodTypeAny[] {
  const s = unwrap(schema)
  if (s instanceof z.ZodObject) return Object.hasOwn(s.shape, key) ? [s.shape[key as string]] : []
  if (s instanceof z.ZodRecord) return [s.valueSchema]
  if (s instanceof z.ZodArray) return [s.element]
  if (s instanceof z.ZodUnion) return (s.options as z.ZodTypeAny[]).flatMap((o) => childAt(o, key))
  return []
}

export function allowedKeysAt(root: z.ZodTypeAny, path: readonly (string | number)[]): string[] {
  let current: z.ZodTypeAny[] = [root]
  for (const part of path) current = current.flatMap((s) => childAt(s, part))
  return [...new Set(current.flatMap(objectsIn).flatMap((o) => Object.keys(o.shape)))]
}

/** Whether the value at a field path is a record (a map of names chosen by the user, such as servers or env). */
export function isRecordAt(root: z.ZodTypeAny, path: readonly (string | number)[]): boolean {
  let current: z.ZodTypeAny[] = [root]
  for (const part of path) current = current.flatMap((s) => childAt(s, part))
  return current.some((s) => {
    const u = unwrap(s)
    return (
      u instanceof z.ZodRecord ||
      (u instanceof z.ZodUnion && (u.options as z.ZodTypeAny[]).some((o) => unwrap(o) instanceof z.ZodRecord))
    )
  })
}

/** The schemas that can apply at a field path (several where a union offers several shapes). */
export function schemasAt(root: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodTypeAny[] {
  let current: z.ZodTypeAny[] = [root]
  for (const part of path) current = current.flatMap((s) => childAt(s, part))
  return current
}

/** One wrapper (effects, default, optional) taken off, or undefined when there is none. */
export function peel(schema: z.ZodTypeAny): z.ZodTypeAny | undefined {
  if (schema instanceof z.ZodEffects) return schema.innerType()
  if (schema instanceof z.ZodDefault) return schema._def.innerType
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return schema.unwrap()
  return undefined
}
