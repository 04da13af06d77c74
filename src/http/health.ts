// Liveness and readiness (D12): /healthz answers while the process runs; /readyz only while the
// database answers and the server is not shutting down.
import { Router } from 'express';

export interface HealthProbe {
  ping(): Promise<boolean>;
  shuttingDown(): boolean;
}

export function healthRoutes(probe: HealthProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (probe.shuttingDown()) return void res.status(503).json({ status: 'shutting-down' });
    const database = await probe.ping();
    res.status(database ? 200 : 503).json({ status: database ? 'ok' : 'unavailable', database });
  });
  return router;
}
