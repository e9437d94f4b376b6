import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, Observable } from 'rxjs';
import { LINK_HOLDER, NO_REQUEST_TX, SINGLE_READ } from '../auth/auth.decorators';
import { AppError } from '../common/app-error';
import type { Request } from 'express';
import { ANONYMOUS_CONTEXT, contextOf, LINK_TOKEN_RE, RlsContext } from './rls-context';
import { RlsTransactionalAdapter } from './rls-transactional.adapter';

/**
 * The one place a request's RLS context is opened: it opens the request's transaction, sets the
 * caller's context with its first statement, runs the handler to completion inside it (a streamed
 * export too), and commits (or rolls back when the handler throws). Returning next.handle()
 * directly would commit before the handler ran.
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
    const request = context.switchToHttp().getRequest<Request>();
    const rls = this.contextFor(context, request);
    const singleRead = this.reflector.get<boolean | undefined>(SINGLE_READ, context.getHandler()) === true;
    // The request's CLS context starts here, around its transaction: nothing before the
    // interceptor needs it, and starting it in a middleware cost one more layer per request.
    const endTimer = this.metrics.rlsTransactionDuration.startTimer();
    return from(
      this.cls
        .run(() =>
          this.txHost.withTransaction({ context: rls, single: singleRead ? 'read' : undefined }, () =>
            lastValueFrom(next.handle() as Observable<unknown>, { defaultValue: undefined }),
          ),
        )
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

  /**
   * The caller the auth guard verified; on public routes the holder of the link token in the
   * path (@LinkHolder), else the anonymous context, which matches no policy.
   */
  private contextFor(context: ExecutionContext, request: Request): RlsContext {
    if (request.caller) return contextOf(request.caller);
    const tokenParam = this.reflector.getAllAndOverride<string | undefined>(LINK_HOLDER, [context.getHandler(), context.getClass()]);
    if (tokenParam === undefined) return ANONYMOUS_CONTEXT;
    const token = request.params[tokenParam];
    if (typeof token !== 'string' || !LINK_TOKEN_RE.test(token)) throw AppError.badRequest('malformed onboarding token');
    return { role: 'link_holder', orgId: null, userId: null, linkToken: token };
  }
}
