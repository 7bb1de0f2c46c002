// An error whose message is written for the player or GM who caused it. Anything else is logged,
// and the user sees a short generic line instead of internals.
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
}
