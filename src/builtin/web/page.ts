/** The public pages: the upload form (plain HTML, no JavaScript) and the result of an upload. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
code{word-break:break-all}dt{font-weight:bold}</style></head>
<body>
${body}
</body>
</html>
`

export function uploadPage(servicesUrl: string): string {
  return layout(
    'NA-ACCORD depot (naaccord built-in web server)',
    `<h1>Upload a file</h1>
<p>The file is streamed to the services server (<code>${escapeHtml(servicesUrl)}</code>) as it arrives; this web
server stores nothing.</p>
<form method="post" action="/upload" enctype="multipart/form-data">
  <p><input type="file" name="file" required></p>
  <p><button type="submit">Upload</button></p>
</form>
<p><a href="/health">Health</a></p>`,
  )
}

export function uploadResultPage(result: {path: string; size: number; sha256: string; request_id: string}): string {
  return layout(
    'Upload stored',
    `<h1>Stored</h1>
<dl>
  <dt>Path</dt><dd><code>${escapeHtml(result.path)}</code></dd>
  <dt>Size</dt><dd>${result.size} bytes</dd>
  <dt>SHA-256</dt><dd><code>${result.sha256}</code></dd>
  <dt>Request id</dt><dd><code>${escapeHtml(result.request_id)}</code></dd>
</dl>
<p><a href="/">Upload another</a></p>`,
  )
}

export function errorPage(status: number, message: string): string {
  return layout(
    `Error ${status}`,
    `<h1>Upload failed (${status})</h1>\n<p>${escapeHtml(message)}</p>\n<p><a href="/">Back</a></p>`,
  )
}
