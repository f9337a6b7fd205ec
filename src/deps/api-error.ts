/** The HTTP status of an engine API error (dockerode puts it on `statusCode`); undefined for any other error. */
export function statusOf(error: unknown): number | undefined {
  return (error as {statusCode?: number}).statusCode
}
