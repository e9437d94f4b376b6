import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { APP_METRICS, AppMetrics } from '../metrics/app-metrics';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, Observable } from 'rxjs';
import { NO_REQUEST_TX, SINGLE_READ } from '../auth/auth.decorators';
import type { Request } from 'express';
import { ANONYMOUS_CONTEXT, contextOf, RlsContext } from './rls-context';
import { RlsTransactionalAdapter } from './rls-transactional.adapter';

/**
 * Opens the request's transaction, sets the caller's RLS context as its first statement, runs the
 * handler to completion inside it, and commits (or rolls back when the handler throws). Returning
 * next.handle() directly would commit before the handler ran.
 */
@Injectable()
export class RlsTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService,
    private readonly txHost: TransactionHost<RlsTransactionalAdapter>,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(NO_REQUEST_TX, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    // Set by the auth guard; public routes without a caller get the anonymous context, which
    // matches no policy.
    const caller = context.switchToHttp().getRequest<Request>().caller;
    const rls: RlsContext = caller ? contextOf(caller) : ANONYMOUS_CONTEXT;
    const singleRead = this.reflector.get<boolean | undefined>(SINGLE_READ, context.getHandler()) === true;
    // The request's CLS context starts here, around its transaction: nothing before the
    // interceptor needs it, and starting it in a middleware cost one more layer per request.
    const endTimer = this.metrics.rlsTransactionDuration.startTimer();
    return from(
      this.cls
        .run(() => this.txHost.withTransaction({ context: rls, singleRead }, () => lastValueFrom(next.handle(), { defaultValue: undefined })))
        .then(
          (value) => {
            endTimer({ outcome: 'commit' });
            return value;
          },
          (err: unknown) => {
            endTimer({ outcome: 'rollback' });
            throw err;
          },
        ),
    );
  }
}
