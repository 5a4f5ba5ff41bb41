/**
 * One error hierarchy for the whole code base. Each error carries a machine-readable `code`
 * and an HTTP status so the edge (HTTP API, WebSocket) can map it without inspecting messages.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 500, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** Input from outside (HTTP, WebSocket, SQS body, CLI) does not fit. */
export class ValidationError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("VALIDATION_ERROR", message, 400, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super("NOT_FOUND", message, 404);
  }
}

/** Configuration (environment) is missing or wrong: fails the cold start. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super("CONFIG_ERROR", message, 500);
  }
}
