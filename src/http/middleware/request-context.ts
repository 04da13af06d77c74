// Gives each request an id (the client's X-Request-Id when it is sane) and a child logger, and
// logs one line when the response is finished.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../log.js';

const CLIENT_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

export interface RequestLocals {
  requestId: string;
  log: Logger;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/** The route a request matched, as a low-cardinality label ("unmatched" when none did). */
export function routeLabel(req: Request, res?: Response): string {
  if (typeof res?.locals.routeLabel === 'string') return res.locals.routeLabel;
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
}

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.get('x-request-id');
    const requestId = offered && CLIENT_ID.test(offered) ? offered : randomUUID();
    // the child logger is made when a line is written, not for every request
    let log: Logger | undefined;
    Object.defineProperty(res.locals, 'log', { get: () => (log ??= logger.child({ reqId: requestId })) });
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (!logger.isLevelEnabled('info')) return;
      locals(res).log.info(
        {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          route: routeLabel(req, res),
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
