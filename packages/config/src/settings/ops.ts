import { parsers as p, setting } from '../setting.js';

/** Running Beacon: process lifecycle (`beacon serve`) and the one-command demo (`beacon start`). */
export const ops = {
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', p.int(1_000, 600_000), 25_000)`
    On SIGTERM/SIGINT, how long \`beacon serve\` waits for the services to close (collector flushes, workers
    finish their jobs) before it exits anyway. Longer than the services' own shutdown deadlines (e.g.
    COLLECTOR_SHUTDOWN_TIMEOUT_MS, WRITER_SHUTDOWN_TIMEOUT_MS), so those act first; shorter than the
    container grace period (docker compose stop_grace_period 30 s; Kubernetes terminationGracePeriodSeconds
    40 s minus a 5 s preStop pause, in infra/) so the process exits on its own terms instead of being killed
    mid-write.`,
  demoPort: setting('DEMO_PORT', p.int(0, 65535), 8000)`
    \`beacon start\` only: port of the local demo page that carries the tracker snippet of the demo site.`,
  demoHost: setting('DEMO_HOST', p.string({ min: 1 }), '127.0.0.1')`
    \`beacon start\` only: address the demo page listens on.`,
  userPassword: setting('BEACON_PASSWORD', p.string({ max: 200 }), '')`
    \`beacon user create\` only: the new user's password when neither --password nor a terminal prompt gives
    one (scripts); empty = not set.`,
};
