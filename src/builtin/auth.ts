/**
 * The shared-key check both roles make. The depot reads `X-API-Key`; the seed doc's `X-Internal-API-Key` is
 * accepted too (built-in). Keys are compared in constant time: both sides are hashed first, so neither the
 * content nor the length of the configured key leaks through timing.
 */
import {createHash, timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'

export type AuthResult = {ok: true} | {ok: false; reason: string}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

export function makeKeyCheck(apiKey: string | undefined): (req: IncomingMessage) => AuthResult {
  const expected = apiKey ? digest(apiKey) : undefined
  return (req) => {
    if (!expected) return {ok: false, reason: 'no INTERNAL_API_KEY is configured on this server'}
    const given = req.headers['x-api-key'] ?? req.headers['x-internal-api-key']
    if (typeof given !== 'string' || given === '') return {ok: false, reason: 'no X-API-Key header'}
    if (!timingSafeEqual(digest(given), expected)) return {ok: false, reason: 'wrong X-API-Key'}
    return {ok: true}
  }
}
