/** The message of something thrown, for logs and `reason` fields. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
