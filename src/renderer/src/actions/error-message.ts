import { ApiError } from '../../../shared/api-errors.ts';

/** What to tell the person about a failed call: API errors carry a message meant for them. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  console.error(err);
  return 'Something went wrong. Please try again.';
}
