/**
 * Writing a multipart/form-data body is a few fixed strings around each part (RFC 7578); parsing one is the harder
 * half (services/multipart.ts). Web rebuilds the browser's upload as the body services expects: fields first, then
 * the file.
 */

/** Quotes a value for a Content-Disposition parameter: no CR, LF or unescaped quote. */
const quote = (value: string) => `"${value.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1')}"`

export function fieldPart(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name=${quote(name)}\r\n\r\n${value}\r\n`
}
