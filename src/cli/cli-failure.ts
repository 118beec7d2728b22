/** A command that cannot do what was asked: its message is the one-line reason shown. */
export class CliFailure extends Error {
  constructor(
    message: string,
    /** 2 for a misused command line, 1 for everything else. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message)
    this.name = 'CliFailure'
  }
}

export function usageError(message: string): CliFailure {
  return new CliFailure(`${message} (see \`latchkey --help\`)`, 2)
}
