/** The labels that mark what naaccord owns: everything is found and removed by these, never by name alone. */
export const LABEL_PROJECT = 'io.naaccord.project'
export const LABEL_DEPENDENCY = 'io.naaccord.dependency'
export const LABEL_HASH = 'io.naaccord.config-hash'
export const LABEL_VOLUME = 'io.naaccord.volume'

export function projectFilter(project: string, dependency?: string): {label: string[]} {
  const label = [`${LABEL_PROJECT}=${project}`]
  if (dependency) label.push(`${LABEL_DEPENDENCY}=${dependency}`)
  return {label}
}
