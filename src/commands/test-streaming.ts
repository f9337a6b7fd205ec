import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {runStreamingTest, TargetError} from '../smoke/index.js'
import {toJson} from '../smoke/report/json.js'
import {toJunit} from '../smoke/report/junit.js'
import {renderHeader, renderTable, resultLine} from '../smoke/report/table.js'
import {describeKey} from '../smoke/target.js'
import {parseDuration} from '../util/duration.js'
import {writeFileAtomic} from '../util/fs.js'
import {maskSecret, maskSecretsIn} from '../util/mask.js'

export default class TestStreaming extends BaseCommand {
  static override summary =
    'Prove in seconds that a running web/services pair streams files the way the depot requires.'
  static override description =
    `Runs the smoke suite against the running session's servers (or --web-url/--services-url, or a pair
started for the run with --start): services health; web→services health; auth (403/405); the seed header
X-Internal-API-Key (info); round trips through services and through web (upload, exists, metadata, list,
download with SHA-256 compare, delete, delete again); chunked upload; a large streamed upload through web
(--size, bytes generated and hashed on the fly, MB/s reported); web stores nothing (its folders watched);
path safety (hostile paths refused, nothing outside the test prefix changes); cleanup dry run.
Deviations from the contract seen on working servers (the depot's double-wrapped metadata, octet-stream
downloads, slow downloads, transient spooling, ...) are listed as depot findings (INFO/WARN); they never fail
the run, except transient spooling with --strict.

Test files live under naaccord-smoke/<run-id>/ and are removed at the end, also on failure or Ctrl-C.
Exit code: 0 when every required check passed, 1 otherwise, 130 when interrupted.`
  static override examples = [
    '<%= config.bin %> test-streaming',
    '<%= config.bin %> test-streaming --start --junit smoke.xml',
    '<%= config.bin %> test-streaming --only web-health --only large-upload --size 512MiB',
    'INTERNAL_API_KEY=… <%= config.bin %> test-streaming --web-url https://web.staging:8000 --services-url https://services.staging:8001 --ca ca.pem --cert me.pem --key me-key.pem',
  ]
  static override flags = {
    start: Flags.boolean({
      summary: 'Start the configured web/services pair on free ports, test it, and stop it again.',
    }),
    'web-url': Flags.string({
      summary: 'The web server to test, e.g. http://127.0.0.1:8000 (default: the running session).',
    }),
    'services-url': Flags.string({summary: 'The services server to test (default: the running session).'}),
    'api-key': Flags.string({
      summary: "The INTERNAL_API_KEY (default: the running session's own, else INTERNAL_API_KEY, else the config).",
    }),
    'api-key-file': Flags.string({summary: 'A file holding the key.'}),
    header: Flags.string({summary: 'Header carrying the key (default X-API-Key).'}),
    ca: Flags.string({summary: 'CA certificate (PEM) to trust for https targets.'}),
    cert: Flags.string({summary: 'Client certificate (PEM) for mutual TLS.'}),
    key: Flags.string({summary: 'Client private key (PEM) for mutual TLS.'}),
    insecure: Flags.boolean({summary: 'Accept any server certificate (unsafe; warned about).'}),
    watch: Flags.string({multiple: true, summary: "A folder of the web server's that must stay empty (repeatable)."}),
    'watch-system-temp': Flags.boolean({
      summary:
        'Also watch the system temp folder (the depot stages chunked uploads there; other programs write there too).',
    }),
    strict: Flags.boolean({
      summary: 'Fail web-stores-nothing on transient spooling too (files web creates and removes during a request).',
    }),
    size: Flags.string({summary: 'Size of the large streamed upload (default: smoke.size, 64MiB).'}),
    timeout: Flags.string({summary: 'Per-check time limit, e.g. 30s (default: smoke.timeout).'}),
    only: Flags.string({multiple: true, summary: 'Run only these checks (repeatable).'}),
    skip: Flags.string({multiple: true, summary: 'Skip these checks (repeatable).'}),
    json: Flags.boolean({summary: 'Print {ok, runId, prefix, targets, summary, results, cleanup} as JSON.'}),
    junit: Flags.string({summary: 'Also write a JUnit XML report to this file (for CI).'}),
    verbose: Flags.boolean({char: 'v', summary: 'Show each HTTP exchange (key masked) on stderr.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(TestStreaming)
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout)
    if (flags.timeout !== undefined && (timeoutMs === undefined || timeoutMs <= 0))
      this.error(`--timeout ${flags.timeout}: expected a duration such as 30s or 500ms`, {exit: 2})
    if (flags.insecure)
      this.warn('--insecure: server certificates are not checked; use --ca to trust a private CA instead')

    const tty = Boolean(process.stdout.isTTY) && !flags.json
    const controller = new AbortController()
    const onSignal = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        process.stderr.write(`${sig}: still removing the test files and stopping what was started…\n`)
        return
      }
      process.stderr.write(`\n${sig}: stopping the checks and removing the test files…\n`)
      controller.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    // Output piped into `head` and closed: stop like an interrupt, so the prefix and any started pair are cleaned up.
    const onPipeError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') controller.abort()
    }
    process.stdout.on('error', onPipeError)
    process.stderr.on('error', onPipeError)
    let secret: string | undefined = flags['api-key']
    try {
      const {targets, report, leftBehind} = await runStreamingTest({
        configPath: flags.config,
        start: flags.start,
        webUrl: flags['web-url'],
        servicesUrl: flags['services-url'],
        apiKey: flags['api-key'],
        apiKeyFile: flags['api-key-file'],
        header: flags.header,
        ca: flags.ca,
        cert: flags.cert,
        key: flags.key,
        insecure: flags.insecure,
        watch: flags.watch,
        watchSystemTemp: flags['watch-system-temp'],
        strict: flags.strict,
        size: flags.size,
        timeoutMs,
        only: flags.only,
        skip: flags.skip,
        signal: controller.signal,
        log: flags.verbose ? (line) => process.stderr.write(`${maskSecretsIn(line, [secret])}\n`) : undefined,
        onTargets: (t, prefixRoot) => {
          secret = t.apiKey
          if (t.keyNotice) this.logToStderr(t.keyNotice)
          if (flags.json) return
          for (const line of renderHeader({
            web: t.web,
            services: t.services,
            key: describeKey(t),
            prefix: `${prefixRoot}/<run-id>`,
            from: t.from,
          }))
            this.log(line)
        },
        onResult: flags.json ? undefined : (r) => this.log(resultLine(r, tty)),
      })
      if (flags.json) {
        this.log(
          JSON.stringify(
            toJson(report, {
              web: targets.web,
              services: targets.services,
              key: maskSecret(targets.apiKey),
              header: targets.header,
              from: targets.from,
              watch: targets.watch,
            }),
            null,
            2,
          ),
        )
      } else for (const line of renderTable(report, tty, false)) this.log(line)
      if (flags.junit) {
        try {
          writeFileAtomic(path.resolve(flags.junit), toJunit(report))
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
          this.error(`--junit ${flags.junit}: cannot write it (${code}); create its folder or pick another path`, {
            exit: 2,
          })
        }
      }
      for (const line of leftBehind) this.warn(`--start left behind: ${line}`)
      if (report.interrupted) this.exit(130)
      if (!report.ok) this.exit(1)
    } catch (error) {
      // Interrupted while --start was still bringing the pair up: it has been stopped again.
      if (controller.signal.aborted) this.exit(130)
      if (error instanceof Error && 'oclif' in error) throw error
      if (error instanceof TargetError || (error instanceof Error && error.message.startsWith('unknown check')))
        this.error(maskSecretsIn(error.message, [secret]), {exit: 2})
      throw error
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.stdout.off('error', onPipeError)
      process.stderr.off('error', onPipeError)
    }
  }
}
