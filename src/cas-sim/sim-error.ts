/** An error the simulator answers with, in Alibaba's body shape. */
export class SimError extends Error {
  override name = 'SimError';
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
