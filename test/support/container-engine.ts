import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether a container engine (Docker, Podman, colima...) looks reachable, decided in microseconds
 * from its socket or DOCKER_HOST, so that machines without one skip at once instead of waiting on
 * testcontainers' own discovery.
 */
export const containerEngineAvailable = (): boolean => {
  if (process.env.DOCKER_HOST || process.env.TESTCONTAINERS_HOST_OVERRIDE) return true;
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  const sockets = [
    '/var/run/docker.sock',
    '/run/podman/podman.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.colima/default/docker.sock'),
    ...(runtimeDir ? [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman/podman.sock')] : []),
  ];
  return sockets.some((socket) => existsSync(socket));
};
