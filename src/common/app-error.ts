/** Domain error codes; the exception filter maps each to an HTTP status in one exhaustive switch. */
export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'GONE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'UNAVAILABLE';

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Sent as Retry-After with a 429 or 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static badRequest(message: string): AppError {
    return new AppError('BAD_REQUEST', message);
  }
  static unauthorized(message: string): AppError {
    return new AppError('UNAUTHORIZED', message);
  }
  static forbidden(message: string): AppError {
    return new AppError('FORBIDDEN', message);
  }
  static notFound(message: string): AppError {
    return new AppError('NOT_FOUND', message);
  }
  static methodNotAllowed(message: string): AppError {
    return new AppError('METHOD_NOT_ALLOWED', message);
  }
  static conflict(message: string): AppError {
    return new AppError('CONFLICT', message);
  }
  static gone(message: string): AppError {
    return new AppError('GONE', message);
  }
  static payloadTooLarge(message: string): AppError {
    return new AppError('PAYLOAD_TOO_LARGE', message);
  }
  static unsupportedMediaType(message: string): AppError {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', message);
  }
  static unavailable(message: string, retryAfterSeconds?: number): AppError {
    return new AppError('UNAVAILABLE', message, retryAfterSeconds);
  }
  static tooManyRequests(message: string, retryAfterSeconds?: number): AppError {
    return new AppError('TOO_MANY_REQUESTS', message, retryAfterSeconds);
  }
}

export function statusOf(code: AppErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'CONFLICT':
      return 409;
    case 'GONE':
      return 410;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'TOO_MANY_REQUESTS':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
