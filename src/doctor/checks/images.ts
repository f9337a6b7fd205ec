/** Each enabled dependency's image is present locally, or (with --online) can be found in its registry. */
import type {PlannedDependency} from '../../config/plan.js'
import {engineFor} from '../engine.js'
import {type Check, type CheckResult, result} from '../types.js'

const ID = 'images'

export const imagesCheck: Check = {
  id: ID,
  title: 'Dependency images',
  needsConfig: true,
  timeoutMs: 20_000,
  async run(ctx) {
    const deps = ctx.plan?.units.filter((u): u is PlannedDependency => u.kind === 'dependency') ?? []
    if (deps.length === 0) return result(ID, 'skip', 'no dependency is enabled (profiles select them: --profile)')
    const conn = await engineFor(ctx)
    if (!('docker' in conn)) return result(ID, 'skip', 'images not checked: no container engine reachable')
    return Promise.all(
      deps.map(async (dep): Promise<CheckResult> => {
        const image = dep.image
        const subject = dep.name
        try {
          const info = await conn.docker.getImage(image).inspect()
          // podman resolves short names against local images: say which one the engine will really use.
          const tags: string[] = info.RepoTags ?? []
          const as = tags.length > 0 && !tags.includes(image) ? ` as ${tags[0]}` : ''
          return result(
            ID,
            'ok',
            `${dep.name}: ${image} is present${as} (${String(info.Id)
              .replace(/^sha256:/, '')
              .slice(0, 12)})`,
            {subject},
          )
        } catch {}
        if (ctx.online) {
          try {
            await conn.docker.getImage(image).distribution()
            return result(ID, 'ok', `${dep.name}: ${image} is not present locally but can be pulled`, {
              subject,
              fix: `docker pull ${image}`,
            })
          } catch (error) {
            return result(ID, 'error', `${dep.name}: ${image} is not present locally and cannot be pulled`, {
              subject,
              detail: [firstLine((error as Error).message)],
              fix: `check the image name in the config (dependencies.${dep.name}.image), or build/load it locally`,
            })
          }
        }
        if (dep.pull === 'never')
          return result(ID, 'error', `${dep.name}: ${image} is not present locally and pull is "never"`, {
            subject,
            fix: `docker pull ${image}`,
          })
        return result(ID, 'warn', `${dep.name}: ${image} is not present locally; start will pull it`, {
          subject,
          detail: ['run `naaccord doctor --online` to check that the registry has it'],
          fix: `docker pull ${image}`,
        })
      }),
    )
  },
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300)
}
