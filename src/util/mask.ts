/**
 * Secrets are never printed whole: the first 4 characters, then an ellipsis. Short secrets show nothing.
 * Use maskSecret for a known secret value, and maskSecretsIn to scrub a known secret out of free text (log lines).
 */
export function maskSecret(secret: string | undefined): string {
  if (secret === undefined || secret === '') return '(unset)'
  if (secret.length < 8) return '…'
  return `${secret.slice(0, 4)}…`
}

export function maskSecretsIn(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(maskSecret(secret))
  }
  return out
}

/** Env var names whose values are secrets. */
export function isSecretName(name: string): boolean {
  return /(KEY|SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL)/i.test(name) && !/_FILE$/.test(name)
}
