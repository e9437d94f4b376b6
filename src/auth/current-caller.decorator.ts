import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Caller } from './roles';

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<{ caller?: Caller }>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without authentication');
  return caller;
});
