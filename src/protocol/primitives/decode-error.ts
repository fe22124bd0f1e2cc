/** What went wrong while decoding bytes from a peer. Every decoder failure is one of these. */
export type DecodeProblem =
  | 'truncated' // a field needs more bytes than remain
  | 'length' // a length or count prefix is negative where null is not allowed, or larger than what remains
  | 'varint' // a varint longer than its type allows
  | 'range' // an int64 outside the safe integer range, or another out-of-range value
  | 'tag' // tagged fields out of order or malformed
  | 'utf8' // a string that is not valid UTF-8
  | 'unsupported' // an API key or version this codec does not know
  | 'trailing' // bytes left over after a complete message
  | 'invalid'; // any other structural problem

/** The typed error every decoder throws on bad input; callers catch it and never see another kind. */
export class DecodeError extends Error {
  override name: string = 'DecodeError';
  constructor(
    readonly problem: DecodeProblem,
    message: string,
    readonly position = -1,
  ) {
    super(message);
  }
}
