import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, Observable } from 'rxjs';
import { NO_REQUEST_TX } from '../auth/auth.decorators';
import { CALLER } from '../auth/auth.guard';
import { Caller } from '../auth/roles';
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
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(NO_REQUEST_TX, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const caller = this.cls.get<Caller | undefined>(CALLER);
    // Public routes without a caller get the anonymous context, which matches no policy.
    const rls: RlsContext = caller ? contextOf(caller) : ANONYMOUS_CONTEXT;
    return from(this.txHost.withTransaction({ context: rls }, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
