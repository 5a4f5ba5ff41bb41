import { AppError } from "#commons/errors.js";

/**
 * The local stack could not start (no Java, a port taken, DynamoDB Local crashed). The message is
 * written for the person at the terminal: `npm start` prints it alone and exits 1, no stack trace.
 */
export class LocalStartupError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LOCAL_STARTUP_ERROR", message, 500, options);
  }
}
