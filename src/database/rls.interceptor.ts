import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, Observable } from 'rxjs';
import { NO_REQUEST_TX } from '../auth/auth.decorators';
import { CALLER } from '../auth/auth.guard';
import { Caller } from '../auth/roles';
import { applyRlsContext, RlsContext } from './rls-context';

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
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(NO_REQUEST_TX, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const caller = this.cls.get<Caller | undefined>(CALLER);
    // Public routes without a caller get an anonymous context: role '' matches no policy.
    const ctx: RlsContext | null = caller ? { role: caller.role, orgId: caller.orgId, userId: caller.userId } : null;
    return from(
      this.txHost.withTransaction(async () => {
        if (ctx) await applyRlsContext(this.txHost.tx, ctx);
        else await applyRlsContext(this.txHost.tx, { role: '' as RlsContext['role'], orgId: null, userId: null });
        return lastValueFrom(next.handle(), { defaultValue: undefined });
      }),
    );
  }
}
