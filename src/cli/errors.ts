/** Bad input at the command line: reported as one line on stderr with exit status 2, never a stack trace. */
export class UsageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A check that ran and found a problem (rebuild --verify): exit status 1. */
export class CheckFailedError extends Error {}
