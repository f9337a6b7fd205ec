import {type Check, CheckFailure} from '../types.js'
import {expectJson, needServices, show} from './expect.js'

/** 10. cleanup with dry_run answers the documented shape and reports dry_run:true (it deletes nothing). */
export const cleanupDryRun: Check = {
  name: 'cleanup-dry-run',
  title: 'cleanup (dry run)',
  required: true,
  async run(ctx) {
    const res = await needServices(ctx).request('cleanup', {
      method: 'POST',
      json: {hours: 4, dry_run: true},
      signal: ctx.signal,
    })
    const body = expectJson('cleanup dry run', res, {success: true})
    const result = body.result as Record<string, unknown> | undefined
    const shape =
      result !== undefined &&
      typeof result === 'object' &&
      ['found', 'cleaned', 'failed'].every((k) => typeof result[k] === 'number') &&
      ['cleaned_paths', 'failed_paths'].every((k) => Array.isArray(result[k])) &&
      result.dry_run === true
    if (!shape)
      throw new CheckFailure(
        'cleanup: the answer does not have the documented shape',
        '{"success":true,"result":{"found":n,"cleaned":n,"failed":n,"cleaned_paths":[…],"failed_paths":[…],"dry_run":true}}',
        show(res),
      )
    return {detail: `found ${String(result.found)} file(s) older than 4 h; dry run, nothing deleted`}
  },
}
